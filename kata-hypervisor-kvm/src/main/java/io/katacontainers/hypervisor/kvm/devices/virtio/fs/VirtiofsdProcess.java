package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * One running virtiofsd serving one shared directory to one VM, started behind {@code setpriv --pdeathsig
 * SIGKILL} so that it dies with us even if we are killed.
 * <p>
 * The kernel sends the parent-death signal when the <em>thread</em> that forked the child ends, not the process.
 * So the fork happens on a platform thread of its own that waits for the daemon's exit: a fork from a pool or
 * carrier thread would kill the daemon whenever that thread retired.
 */
public final class VirtiofsdProcess implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VirtiofsdProcess.class.getName());
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration TERM_GRACE = Duration.ofSeconds(2);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final int LOG_TAIL_BYTES = 2048;

    private final VirtiofsdCommand command;
    private final Process process;
    private final Thread parent;
    private final Path log;

    private VirtiofsdProcess(VirtiofsdCommand command, Process process, Thread parent, Path log) {
        this.command = command;
        this.process = process;
        this.parent = parent;
        this.log = log;
    }

    /**
     * Starts the daemon and waits until its socket exists.
     *
     * @param setpriv util-linux setpriv
     * @param log file the daemon's output is appended to
     * @param timeout how long the daemon may take to create its socket
     * @throws IOException when the directory or a binary is missing, or the daemon exits or is late; nothing is
     *                     left running then
     */
    public static VirtiofsdProcess start(VirtiofsdCommand command, Path setpriv, Path log, Duration timeout)
            throws IOException, InterruptedException {
        if (!Files.isDirectory(command.source())) {
            throw new IOException("shared directory " + command.source() + " does not exist or is not a directory");
        }
        for (Path binary : List.of(command.binary(), setpriv)) {
            if (!Files.isExecutable(binary)) {
                throw new IOException(binary + " is not an executable file; install it (virtiofsd comes with "
                        + "qemu-system-common, setpriv with util-linux) or fix virtio_fs_daemon");
            }
        }
        // A stale socket from an earlier run would look like a ready daemon.
        Files.deleteIfExists(command.socket());
        List<String> argv = new ArrayList<>(List.of(setpriv.toString(), "--pdeathsig", "SIGKILL", "--"));
        argv.addAll(command.arguments());
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        CompletableFuture<Process> started = new CompletableFuture<>();
        Thread parent = Thread.ofPlatform().daemon().name("virtiofsd-parent " + command.socket().getFileName())
                .start(() -> forkAndOutlive(builder, started));
        Process process;
        try {
            // Not interruptible: giving up while the fork is in flight would leave an untracked daemon.
            process = started.join();
        } catch (CompletionException e) {
            throw new IOException("cannot start " + command.binary() + ": " + e.getCause().getMessage(), e.getCause());
        }
        VirtiofsdProcess daemon = new VirtiofsdProcess(command, process, parent, log);
        LOG.log(System.Logger.Level.DEBUG, () -> "started virtiofsd (pid " + process.pid() + "): "
                + String.join(" ", argv));
        try {
            daemon.awaitSocket(timeout);
            return daemon;
        } catch (IOException | InterruptedException | RuntimeException e) {
            daemon.close();
            throw e;
        }
    }

    private static void forkAndOutlive(ProcessBuilder builder, CompletableFuture<Process> started) {
        Process process;
        try {
            process = builder.start();
        } catch (IOException | RuntimeException e) {
            started.completeExceptionally(e);
            return;
        }
        started.complete(process);
        // join() cannot be interrupted: this thread must not end while the daemon runs.
        process.onExit().join();
    }

    private void awaitSocket(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(command.socket())) {
            if (!process.isAlive()) {
                throw new IOException("virtiofsd exited with status " + process.exitValue() + " before creating "
                        + command.socket() + logTail());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("virtiofsd did not create " + command.socket() + " within "
                        + timeout.toMillis() + " ms" + logTail());
            }
            Thread.sleep(POLL);
        }
    }

    public Path socket() {
        return command.socket();
    }

    /** The file the daemon's output goes to. */
    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Why the daemon is gone, with the end of its log, for error messages. */
    public String exitDescription() {
        return process.isAlive() ? "virtiofsd (pid " + process.pid() + ") still runs"
                : "virtiofsd (pid " + process.pid() + ") exited with status " + process.exitValue() + logTail();
    }

    private String logTail() {
        try {
            byte[] bytes = Files.readAllBytes(log);
            int from = Math.max(0, bytes.length - LOG_TAIL_BYTES);
            String tail = new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8).strip();
            return tail.isEmpty() ? "" : "; its log " + log + " ends with:\n" + tail;
        } catch (IOException e) {
            return "; its log " + log + " cannot be read: " + e.getMessage();
        }
    }

    /**
     * Stops the daemon (it exits by itself once the front end disconnects; SIGTERM, then SIGKILL, if it does not)
     * and returns once it is reaped and its socket is gone. Waits through interrupts, restoring the flag, since
     * giving up would leave the process behind.
     *
     * @throws IllegalStateException if it survives SIGKILL (stuck in the kernel)
     */
    @Override
    public void close() throws IOException {
        boolean interrupted = false;
        try {
            if (process.isAlive()) {
                process.destroy();
                interrupted = awaitExit(TERM_GRACE);
            }
            if (process.isAlive()) {
                process.destroyForcibly();
                interrupted |= awaitExit(KILL_WAIT);
            }
            if (process.isAlive()) {
                throw new IllegalStateException("virtiofsd (pid " + process.pid() + ") survived SIGKILL");
            }
            interrupted |= awaitExit(parent);
        } finally {
            Files.deleteIfExists(command.socket());
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits up to {@code wait} for the daemon's exit; returns whether an interrupt arrived meanwhile. */
    private boolean awaitExit(Duration wait) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + wait.toNanos();
        while (process.isAlive() && deadline - System.nanoTime() > 0) {
            try {
                process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    /** Waits for the forking thread, which ends right after the daemon; returns whether an interrupt arrived. */
    private static boolean awaitExit(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }
}
