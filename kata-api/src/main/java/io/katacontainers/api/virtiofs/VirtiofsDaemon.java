package io.katacontainers.api.virtiofs;

import io.katacontainers.api.process.ChildProcess;
import io.katacontainers.api.process.ProcessLauncher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * One running virtiofsd serving one shared directory to one VM, started by the VM's {@link ProcessLauncher} (so
 * it dies with this JVM) and ready once its vhost-user socket exists.
 */
public final class VirtiofsDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VirtiofsDaemon.class.getName());
    /** How long {@link #close()} lets the daemon exit by itself, and then again after SIGTERM. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(1);

    private final VirtiofsdCommand command;
    private final ChildProcess process;

    private VirtiofsDaemon(VirtiofsdCommand command, ChildProcess process) {
        this.command = command;
        this.process = process;
    }

    /**
     * Starts the daemon and waits until its socket exists.
     *
     * @param log file the daemon's output is appended to
     * @param deadline by when the socket must exist
     * @throws IOException when the shared directory or the daemon is missing, or the daemon exits or is late (the
     *                     message quotes its log); nothing is left running then
     */
    public static VirtiofsDaemon start(ProcessLauncher launcher, VirtiofsdCommand command, Path log,
                                       Instant deadline) throws IOException, InterruptedException {
        if (!Files.isDirectory(command.source())) {
            throw new IOException("shared directory " + command.source() + " does not exist or is not a directory");
        }
        if (!Files.isExecutable(command.binary())) {
            throw new IOException(command.binary() + " is not an executable file; install it (virtiofsd comes with "
                    + "qemu-system-common) or fix virtio_fs_daemon");
        }
        // A stale socket from an earlier run would look like a ready daemon.
        Files.deleteIfExists(command.socket());
        ChildProcess process = launcher.launch("virtiofsd", command.arguments(), log);
        try {
            process.awaitPath(command.socket(), deadline);
        } catch (IOException | InterruptedException | RuntimeException e) {
            try {
                process.kill();
                Files.deleteIfExists(command.socket());
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return new VirtiofsDaemon(command, process);
    }

    /** The vhost-user socket the VMM connects to. */
    public Path socket() {
        return command.socket();
    }

    public ChildProcess process() {
        return process;
    }

    /**
     * Stops the daemon and removes its socket. virtiofsd exits by itself once its front end disconnects; if it
     * has not after {@code grace}, SIGTERM, and SIGKILL after {@code grace} again. Returns once it is reaped;
     * an interrupt cuts the first wait short and stays set. Idempotent.
     *
     * @throws IllegalStateException if it survives SIGKILL (stuck in the kernel)
     */
    void stop(Duration grace) throws IOException {
        try {
            if (!exitsBy(grace)) {
                LOG.log(System.Logger.Level.DEBUG, () -> process + " still runs after its front end left; "
                        + "terminating it");
                process.terminate(grace);
            }
        } finally {
            Files.deleteIfExists(command.socket());
        }
    }

    private boolean exitsBy(Duration grace) {
        try {
            return process.awaitExit(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@link #stop(Duration)} with {@link #STOP_GRACE}. */
    @Override
    public void close() throws IOException {
        stop(STOP_GRACE);
    }
}
