package io.katacontainers.hypervisor.qemu.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A process this driver started, with the file its output goes to. */
public final class ChildProcess {
    private static final Duration POLL = Duration.ofMillis(10);

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

    public boolean isAlive() {
        return process.isAlive();
    }

    /** A description of how it ended ({@code exited with status 1}), or that it still runs. */
    public String exitDescription() {
        return process.isAlive() ? "still runs" : "exited with status " + process.exitValue();
    }

    /** Waits for the process to exit (and be reaped); false when it still runs at the deadline. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    }

    /**
     * SIGTERM, then SIGKILL if it has not exited after {@code grace}; returns once the process is reaped.
     *
     * @throws InterruptedException while waiting out the grace period; the process may still run then
     */
    public void terminate(Duration grace) throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!awaitExit(grace)) {
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
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    process.onExit().get(5, TimeUnit.SECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    throw new IllegalStateException(this + " did not exit 5 s after SIGKILL", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("waiting for " + this + " failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits until {@code path} exists (a socket the process creates when ready).
     *
     * @throws IOException when the process exits first or the deadline passes; the message carries its log
     */
    public void awaitPath(Path path, Instant deadline) throws IOException, InterruptedException {
        while (!Files.exists(path)) {
            if (!process.isAlive()) {
                throw new IOException(this + " " + exitDescription() + " before creating " + path + logSuffix());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException(this + " did not create " + path + " in time" + logSuffix());
            }
            Thread.sleep(POLL);
        }
    }

    /** The end of the process's output, or a note why it cannot be read. */
    public String logTail(int maxBytes) {
        return tail(log, maxBytes);
    }

    private String logSuffix() {
        String tail = logTail(2048).strip();
        return tail.isEmpty() ? "" : "; its output ends with:\n" + tail;
    }

    /** The last {@code maxBytes} of a file, starting at a line boundary. */
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
