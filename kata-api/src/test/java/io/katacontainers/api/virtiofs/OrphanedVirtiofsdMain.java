package io.katacontainers.api.virtiofs;

import io.katacontainers.api.process.ProcessLauncher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Child JVM for {@link VirtiofsdParentDeathTest}: starts virtiofsd, prints its pid, and waits to be killed. */
public final class OrphanedVirtiofsdMain {
    private OrphanedVirtiofsdMain() {
    }

    /** Arguments: run directory, shared directory. */
    public static void main(String[] args) throws Exception {
        Path run = Files.createDirectories(Path.of(args[0]));
        ProcessLauncher launcher = new ProcessLauncher(Optional.of(VirtiofsDaemonTest.SETPRIV), "orphan");
        VirtiofsDaemon daemon = VirtiofsDaemon.start(launcher, VirtiofsdCommand.withDefaultSandbox(
                VirtiofsDaemonTest.VIRTIOFSD, run.resolve("vfs.sock"), Path.of(args[1]), VirtiofsCache.AUTO, List.of()),
                run.resolve("virtiofsd.log"), Instant.now().plusSeconds(10));
        System.out.println("PID " + daemon.process().pid());
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(5));
    }
}
