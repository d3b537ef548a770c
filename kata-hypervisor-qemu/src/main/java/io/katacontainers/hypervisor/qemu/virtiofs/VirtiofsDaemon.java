package io.katacontainers.hypervisor.qemu.virtiofs;

import io.katacontainers.hypervisor.qemu.process.ChildProcess;
import io.katacontainers.hypervisor.qemu.process.ProcessLauncher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** Starts one virtiofsd for one VM and waits until its socket is ready for QEMU. */
public final class VirtiofsDaemon {
    private VirtiofsDaemon() {
    }

    /**
     * @return the running daemon; it exits by itself once QEMU, its only client, disconnects
     * @throws IOException when the shared directory is missing or the daemon fails or is late to start
     */
    public static ChildProcess start(ProcessLauncher launcher, VirtiofsdCommand command, Path log, Instant deadline)
            throws IOException, InterruptedException {
        if (!Files.isDirectory(command.source())) {
            throw new IOException("shared directory " + command.source() + " does not exist");
        }
        // A stale socket from an earlier run would make us believe the daemon is ready.
        Files.deleteIfExists(command.socket());
        ChildProcess daemon = launcher.launch("virtiofsd", command.arguments(), log);
        daemon.awaitPath(command.socket(), deadline);
        return daemon;
    }
}
