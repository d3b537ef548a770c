package io.katacontainers.hypervisor.qemu;

import io.katacontainers.api.process.ChildProcess;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs in a child JVM for {@link ParentDeathTest}: starts a VM with virtio-fs, prints the pids of QEMU and
 * virtiofsd, then waits to be killed.
 */
public final class OrphanedVmMain {
    private OrphanedVmMain() {
    }

    /** Arguments: run directory, kernel, shared directory. */
    public static void main(String[] args) throws Exception {
        QemuHypervisor vm = TestVms.vm(new QemuDriver(), TestVms.spec("orphan", Path.of(args[0]), "microvm",
                Path.of(args[1])), Optional.of(Path.of(args[2])));
        vm.start(Duration.ofSeconds(60));
        System.out.println("PIDS " + vm.children().stream().map(ChildProcess::pid).map(String::valueOf)
                .collect(Collectors.joining(" ")));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
