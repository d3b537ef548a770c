package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Child JVM for {@link VirtiofsdParentDeathTest}: starts virtiofsd, prints its pid, and waits to be killed. */
public final class OrphanedVirtiofsdMain {
    private OrphanedVirtiofsdMain() {
    }

    /** Arguments: run directory, shared directory. */
    public static void main(String[] args) throws Exception {
        Path run = Files.createDirectories(Path.of(args[0]));
        VirtiofsdCommand command = new VirtiofsdCommand(Path.of("/usr/lib/qemu/virtiofsd"), run.resolve("vfs.sock"),
                Path.of(args[1]), "auto", "chroot", List.of());
        VirtiofsdProcess daemon = VirtiofsdProcess.start(command, Path.of("/usr/bin/setpriv"),
                run.resolve("virtiofsd.log"), Duration.ofSeconds(10));
        // Started from this (main) thread's forking helper, not from main: main may end, the helper stays.
        System.out.println("PID " + daemon.pid());
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(5));
    }
}
