package io.katacontainers.runtime.network;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Namespaces;
import io.katacontainers.ffm.libc.SyscallException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs work inside a network namespace. setns(2) moves only the calling thread, so the work runs on a platform
 * thread of its own that joins the namespace and ends with the work: no other thread (and no virtual thread's
 * carrier) ever changes namespace. Sockets and taps opened there stay in that namespace after the thread ends.
 */
public final class NetnsThread {
    private static final long TIMEOUT_SECONDS = 60;

    private NetnsThread() {
    }

    /** Work done in the namespace. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws IOException;
    }

    /**
     * Joins the namespace bound at {@code netns} on the calling thread. One that went after the caller's check (its
     * file removed, or unmounted so that it is no longer a namespace) is a {@link java.nio.file.NoSuchFileException}.
     */
    private static Fd enter(Path netns) throws IOException {
        Fd ns;
        try {
            ns = Libc.open(netns, Libc.O_RDONLY | Libc.O_CLOEXEC);
        } catch (SyscallException e) {
            if (e.is(Errno.ENOENT)) {
                throw new java.nio.file.NoSuchFileException(netns.toString(), null,
                        "the network namespace does not exist");
            }
            throw e;
        }
        try {
            Namespaces.setns(ns.get(), Namespaces.CLONE_NEWNET, netns.toString());
            return ns;
        } catch (SyscallException e) {
            ns.close();
            if (e.is(Errno.EINVAL)) {
                throw new java.nio.file.NoSuchFileException(netns.toString(), null,
                        "no longer a network namespace");
            }
            throw e;
        }
    }

    /**
     * Runs {@code work} in the network namespace bound at {@code netns}.
     *
     * @throws java.nio.file.NoSuchFileException when {@code netns} does not exist (the message names it)
     */
    public static <T> T call(Path netns, String purpose, Work<T> work) throws IOException, InterruptedException {
        if (!Files.exists(netns)) {
            throw new java.nio.file.NoSuchFileException(netns.toString(), null,
                    "the network namespace does not exist");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("netns-" + purpose).daemon().start(() -> {
            try (Fd ns = enter(netns)) {
                result.complete(work.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException runtime -> throw runtime;
                case Error error -> throw error;
                default -> throw new IOException(purpose + " in " + netns + " failed", e.getCause());
            }
        } catch (TimeoutException e) {
            thread.interrupt();
            throw new IOException(purpose + " in " + netns + " did not finish within " + TIMEOUT_SECONDS + " s", e);
        } finally {
            thread.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        }
    }
}
