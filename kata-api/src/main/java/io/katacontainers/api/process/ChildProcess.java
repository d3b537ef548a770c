package io.katacontainers.api.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** A process a {@link ProcessLauncher} started, with the file its output goes to. */
public final class ChildProcess {
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final int LOG_TAIL_BYTES = 2048;

    private final String name;
    private final Process process;
    private final Path log;

    ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    /** The file its stdout and stderr are appended to. */
    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Runs {@code action} once the process has exited (on a JDK thread; keep it short). */
    public void whenExited(Runnable action) {
        process.onExit().thenRun(action);
    }

    /** How it ended ({@code exited with status 1}), or that it still runs. */
    public String exitDescription() {
        return process.isAlive() ? "still runs" : "exited with status " + process.exitValue();
    }

    /**
     * For error messages: the process, how it ended and the end of its log, e.g. {@code virtiofsd (pid 7) exited
     * with status 1; its log /run/x.log ends with: ...}.
     */
    public String exitReport() {
        return this + " " + exitDescription() + logSuffix();
    }

    /** Waits for the process to exit (and be reaped); false when it still runs at the deadline. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }

    /**
     * SIGTERM, then SIGKILL if it has not exited after {@code grace}; returns once the process is reaped. Waits
     * through interrupts (restoring the flag), since a caller that gave up here would leave the process behind.
     *
     * @throws IllegalStateException if it has not exited 5 s after SIGKILL (a process stuck in D state)
     */
    public void terminate(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!awaitExitThroughInterrupts(grace)) {
            kill();
        }
    }

    /**
     * SIGKILL; returns once the process is reaped. Waits through interrupts (restoring the flag), since a caller
     * that gave up here would leave the process behind.
     *
     * @throws IllegalStateException if it has not exited 5 s after SIGKILL (a process stuck in D state)
     */
    public void kill() {
        process.destroyForcibly();
        if (!awaitExitThroughInterrupts(KILL_WAIT)) {
            throw new IllegalStateException(this + " did not exit " + KILL_WAIT.toSeconds() + " s after SIGKILL");
        }
    }

    private boolean awaitExitThroughInterrupts(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits until {@code path} exists (a socket the process creates when ready): woken by the creation itself
     * (inotify, through a {@link WatchService} on its directory) or by the process's exit, whichever comes first.
     *
     * @throws IOException when the process exits first or the deadline passes; the message quotes its log
     */
    public void awaitPath(Path path, Instant deadline) throws IOException, InterruptedException {
        Path dir = path.toAbsolutePath().getParent();
        try (WatchService watcher = dir.getFileSystem().newWatchService()) {
            dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
            // The exit closes the watcher, which ends a wait in poll() at once.
            var onExit = process.onExit().thenRun(() -> closeQuietly(watcher));
            try {
                while (!Files.exists(path)) {
                    if (!process.isAlive()) {
                        throw new IOException(this + " " + exitDescription() + " before creating " + path
                                + logSuffix());
                    }
                    long left = Duration.between(Instant.now(), deadline).toMillis();
                    if (left <= 0) {
                        throw new IOException(this + " did not create " + path + " in time" + logSuffix());
                    }
                    WatchKey key;
                    try {
                        key = watcher.poll(left, TimeUnit.MILLISECONDS);
                    } catch (ClosedWatchServiceException e) {
                        continue; // the process exited: the loop says how, or finds the path after all
                    }
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                    }
                }
            } finally {
                onExit.cancel(false);
            }
        }
    }

    private static void closeQuietly(WatchService watcher) {
        try {
            watcher.close();
        } catch (IOException e) {
            // Only wakes a waiter: one that is not woken still sees the exit at its deadline.
            System.getLogger(ChildProcess.class.getName()).log(System.Logger.Level.DEBUG,
                    "closing a watch service: {0}", e.getMessage());
        }
    }

    /** The end of the process's output, or a note why it cannot be read. */
    public String logTail(int maxBytes) {
        return tail(log, maxBytes);
    }

    private String logSuffix() {
        String tail = logTail(LOG_TAIL_BYTES).strip();
        return tail.isEmpty() ? "" : "; its log " + log + " ends with:\n" + tail;
    }

    /** The last {@code maxBytes} of a file, starting at a line boundary; empty when there is no such file. */
    public static String tail(Path file, int maxBytes) {
        if (!Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, in.length() - maxBytes);
            byte[] bytes = new byte[(int) (in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            return start > 0 && newline >= 0 ? text.substring(newline + 1) : text;
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
