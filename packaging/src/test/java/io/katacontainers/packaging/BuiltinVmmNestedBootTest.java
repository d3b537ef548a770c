package io.katacontainers.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The built-in VMM boots the guest kernel with the test-init initrd on a real KVM: inside the nested KVM harness
 * ({@code packaging/harness/nested-kvm.sh}), the built tree's JRE runs {@code kata-vmm boot} from the built tree's
 * modules. The console must reach /init, where crun, Java and a container run, and the guest's reboot (i8042 reset)
 * must end the VM cleanly: no VMM failure, the run directory gone. One harness run, about a minute and a half.
 */
class BuiltinVmmNestedBootTest {
    private static final Path DIST = Path.of(System.getProperty("kata.dist", "../build")).toAbsolutePath().normalize();
    private static final Path REPO = DIST.getParent();
    private static final Path HARNESS = REPO.resolve("packaging/harness/nested-kvm.sh");
    private static final Duration TIMEOUT = Duration.ofSeconds(600);

    @Test
    void guestKernelReachesInitAndItsRebootStopsTheVmCleanly() throws Exception {
        Path kernel = DIST.resolve("share/kata-containers/vmlinux.container");
        Path initrd = Path.of(System.getProperty("kata.guest.initrd", "target/guest-test/kata-containers-initrd.img"));
        assertTrue(Files.isRegularFile(kernel) && Files.isRegularFile(initrd),
                kernel + " and " + initrd + " must exist: run 'make build' (the test initrd is packaging's)");
        assertTrue(Files.isExecutable(HARNESS), HARNESS + " is missing");
        assertTrue("root".equals(System.getProperty("user.name")), "the nested KVM harness needs root (virtiofsd)");
        Path lib = DIST.resolve("lib/kata-java");
        String script = """
                status=0
                %s -XX:+UseSerialGC --enable-native-access=io.katacontainers.ffm -p %s \
                  -m io.katacontainers.hypervisor.kvm/io.katacontainers.hypervisor.kvm.tool.VmmTool \
                  boot --kernel %s --initrd %s --memory 512 --timeout 480 --json || status=$?
                echo "vmm_exit=$status"
                echo "vmm_tmp_dirs=$(find /tmp -maxdepth 1 -name 'kata-vmm-*' | wc -l)"
                """.formatted(lib.resolve("jre/bin/java"), lib.resolve("modules"), kernel, initrd);
        Command run = Command.run(REPO, Map.of(), false, TIMEOUT.plusSeconds(60), List.of(HARNESS.toString(),
                "--timeout", Long.toString(TIMEOUT.toSeconds()), "--", "bash", "-euo", "pipefail", "-c", script));
        String console = run.stderr();
        String report = run.toString();

        assertEquals(0, run.exitCode(), report);
        assertTrue(run.stdout().contains("vmm_exit=0"), "the guest ended by itself: " + report);
        assertTrue(run.stdout().contains("\"reached\":true,\"state\":\"STOPPED\""), report);
        assertTrue(run.stdout().contains("vmm_tmp_dirs=0"), "kata-vmm removed its run directory: " + report);
        Matcher booted = Pattern.compile("kata-test-init: booted uptime=([0-9.]+)").matcher(console);
        assertTrue(booted.find(), "the console reached /init: " + report);
        assertTrue(console.contains("kata-test-init: java exit=0"), "Java runs in the guest: " + report);
        assertTrue(console.contains("kata-test-init: container: hello from a container"), report);
        assertTrue(console.contains("kata-test-init: done"), report);
        assertTrue(console.contains("reboot: Restarting system"), "the guest rebooted through the i8042: " + report);
        assertTrue(console.contains("guest reset through the i8042 controller"), "the VMM saw the reset: " + report);
        assertTrue(!console.contains("Kernel panic") && !console.contains("vCPU 0 failed"), report);
        System.out.printf("built-in VMM, nested KVM: guest uptime at /init %s s%n", booted.group(1));
    }
}
