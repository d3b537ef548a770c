package io.katacontainers.runtime.io;

import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies one container process's stdio between local streams and the agent: output until the agent reports end of
 * stream, input until local end of file, which becomes CloseStdin so the process sees EOF too. Readers start
 * before the process does, and the agent buffers what the process writes, so no output is lost; when some is
 * anyway (the agent failed a read, or the copy outlasted the wait), {@link #awaitOutput} says so.
 */
public final class ProcessIo {
    private static final System.Logger LOG = System.getLogger(ProcessIo.class.getName());
    private static final int CHUNK = 64 * 1024;

    /** How often a drain that waits while output flows looks at its progress. */
    private static final Duration PROGRESS_CHECK = Duration.ofMillis(500);

    private final String name;
    private final CompletableFuture<Boolean> stdout;
    private final Optional<CompletableFuture<Boolean>> stderr;
    /** Bytes copied out so far, both streams: a drain waits as long as this moves. */
    private final AtomicLong copied;

    private ProcessIo(String name, CompletableFuture<Boolean> stdout, Optional<CompletableFuture<Boolean>> stderr,
                      AtomicLong copied) {
        this.name = name;
        this.stdout = stdout;
        this.stderr = stderr;
        this.copied = copied;
    }

    /**
     * @param terminal whether the process has a terminal: then stderr is part of stdout, as on a real tty
     */
    public static ProcessIo attach(AgentClient agent, String containerId, String execId, boolean terminal,
                                   InputStream in, OutputStream out, OutputStream err) {
        String name = containerId + "/" + execId;
        AtomicLong copied = new AtomicLong();
        CompletableFuture<Boolean> stdout = copyOut("stdout-" + name, out,
                max -> agent.readStdout(containerId, execId, max), copied);
        Optional<CompletableFuture<Boolean>> stderr = terminal ? Optional.empty() : Optional.of(copyOut(
                "stderr-" + name, err, max -> agent.readStderr(containerId, execId, max), copied));
        // Daemon: a process may exit while our stdin stays open (a terminal), and that must not keep us alive.
        Thread.ofPlatform().daemon().name("stdin-" + name).start(() -> copyIn(in, agent, containerId, execId));
        return new ProcessIo(name, stdout, stderr, copied);
    }

    /**
     * Waits until all output has been copied, for as long as it keeps flowing: gives up only when no byte moved
     * for {@code stall}. A dead process's buffered output may take long to cross a slow or loaded VM, and cutting
     * it at a fixed deadline loses its tail; a stream that stays open with nothing in it (a leftover writer) ends
     * the wait. Returns whether it all arrived; what did not is logged as {@link #awaitOutput} does.
     */
    public boolean awaitOutputWhileFlowing(Duration stall) throws InterruptedException {
        CompletableFuture<Void> all = stderr.map(e -> CompletableFuture.allOf(stdout, e))
                .orElseGet(() -> CompletableFuture.allOf(stdout));
        long seen = copied.get();
        Instant lastProgress = Instant.now();
        while (!all.isDone()) {
            try {
                all.get(PROGRESS_CHECK.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // still copying, or a copy failed: awaitOutput below says which
            }
            long now = copied.get();
            if (now != seen) {
                seen = now;
                lastProgress = Instant.now();
            } else if (Duration.between(lastProgress, Instant.now()).compareTo(stall) > 0) {
                break;
            }
        }
        return awaitOutput(Duration.ZERO);
    }

    /**
     * Waits until all output has been copied, or the timeout passes; returns whether it all arrived. Output that
     * did not (a read the agent failed, a copy still running at the timeout) is logged as a warning here, so that
     * no caller can lose output silently.
     */
    public boolean awaitOutput(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        List<String> missing = new ArrayList<>();
        await("stdout", stdout, deadline, missing);
        if (stderr.isPresent()) {
            await("stderr", stderr.get(), deadline, missing);
        }
        if (!missing.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "the output of process {0} is incomplete: {1}", name,
                    String.join("; ", missing));
        }
        return missing.isEmpty();
    }

    private static void await(String stream, CompletableFuture<Boolean> copy, Instant deadline, List<String> missing)
            throws InterruptedException {
        try {
            long left = Math.max(0, Duration.between(Instant.now(), deadline).toNanos());
            if (!copy.get(left, TimeUnit.NANOSECONDS)) {
                missing.add(stream + " was cut short");
            }
        } catch (TimeoutException e) {
            missing.add(stream + " was still being copied when the wait for it ended");
        } catch (ExecutionException e) {
            missing.add(stream + " failed: " + e.getCause());
        }
    }

    @FunctionalInterface
    private interface Reader {
        Optional<byte[]> read(int max) throws AgentException;
    }

    /** Copies on a platform thread of its own; completes with whether the copy reached the end of stream. */
    private static CompletableFuture<Boolean> copyOut(String threadName, OutputStream out, Reader reader,
                                                      AtomicLong copied) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        Thread.ofPlatform().name(threadName).start(() -> {
            try {
                done.complete(copyOut(out, reader, copied));
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
                throw e;
            }
        });
        return done;
    }

    private static boolean copyOut(OutputStream out, Reader reader, AtomicLong copied) {
        try {
            for (Optional<byte[]> chunk = reader.read(CHUNK); chunk.isPresent(); chunk = reader.read(CHUNK)) {
                out.write(chunk.get());
                out.flush();
                copied.addAndGet(chunk.get().length);
            }
            return true;
        } catch (AgentException e) {
            LOG.log(System.Logger.Level.WARNING, "output stream ended early: {0}", e.getMessage());
            return false;
        } catch (IOException e) {
            // The reader went away (a closed FIFO, a closed terminal): nobody is left to see the rest.
            LOG.log(System.Logger.Level.DEBUG, "output copy ended: {0}", e.getMessage());
            return true;
        }
    }

    private static void copyIn(InputStream in, AgentClient agent, String containerId, String execId) {
        byte[] buffer = new byte[CHUNK];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (n > 0) {
                    agent.writeStdin(containerId, execId, Arrays.copyOf(buffer, n));
                }
            }
            agent.closeStdin(containerId, execId);
        } catch (IOException | AgentException e) {
            // The process is gone or the sandbox is shutting down: there is nobody left to read the input.
            LOG.log(System.Logger.Level.DEBUG, "stdin copy ended: {0}", e.getMessage());
        }
    }
}
