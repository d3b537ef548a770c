package io.katacontainers.hypervisor.kvm.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.seccomp.Seccomp;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VMM's filter on a real thread (no KVM needed): what a vCPU or device thread may still do works, what it may
 * not is refused with EPERM, and only that thread is filtered.
 */
class VmmSeccompTest {
    private static final int AF_INET = 2;

    /** Runs {@code body} on a new platform thread that installed the VMM's filter first; returns what it returned. */
    private static <T> T onFilteredThread(FilteredWork<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("seccomp-test").start(() -> {
            try {
                VmmSeccomp.installer().apply();
                result.complete(body.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        T value = result.get(60, TimeUnit.SECONDS);
        // The thread's own end (JVM thread exit: munmap, madvise, futex, exit) works under the filter.
        assertTrue(thread.join(java.time.Duration.ofSeconds(30)), "the filtered thread did not end");
        return value;
    }

    @FunctionalInterface
    private interface FilteredWork<T> {
        T run() throws Exception;
    }

    @Test
    void allowedCallsWorkAndForbiddenOnesAreRefusedWithEperm(@TempDir Path dir) throws Exception {
        Path existing = Files.writeString(dir.resolve("readable"), "data");
        Path created = dir.resolve("created-by-filtered-thread");
        Path socket = dir.resolve("listener.sock");
        try (Fd listener = Sockets.listenUnix(socket, 1, 0)) {
            check(existing, created, socket);
        }
        assertFalse(Files.exists(created), "the filtered thread created a file");
        // No TSYNC: this thread (and so the rest of the JVM) is not filtered.
        assertEquals(0, Seccomp.mode());
        Files.writeString(dir.resolve("unfiltered"), "ok");
    }

    private static void check(Path existing, Path created, Path socket) throws Exception {
        List<String> outcomes = onFilteredThread(() -> {
            List<String> seen = new ArrayList<>();
            seen.add("mode " + Seccomp.mode());
            // allowed: read-only open, read, eventfd, unix socket, epoll (the device loop's calls)
            try (Fd fd = Libc.open(existing, Libc.O_RDONLY | Libc.O_CLOEXEC); Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(4);
                seen.add("read " + Libc.read(fd.get(), buffer));
            }
            try (Fd event = Libc.eventfd(0, Libc.EFD_CLOEXEC)) {
                seen.add("eventfd ok");
            }
            try (Fd unix = Sockets.connectUnix(socket, 0)) {
                seen.add("unix socket ok");
            }
            // forbidden: creating or writing files, network sockets, new threads, new processes
            seen.add("create " + refusal(() -> Libc.open(created, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC,
                    0600).close()));
            seen.add("write-open " + refusal(() -> Libc.open(existing, Libc.O_RDWR | Libc.O_CLOEXEC).close()));
            seen.add("inet socket " + refusal(() -> Sockets.open(AF_INET, Sockets.SOCK_STREAM, 0).close()));
            seen.add("vsock socket " + refusal(() -> Sockets.listenVsock(1234, 1, 0).close()));
            seen.add("process " + ioRefusal(() -> new ProcessBuilder("true").start().waitFor()));
            try {
                Thread.ofPlatform().start(() -> { }).join();
                seen.add("thread started");
            } catch (OutOfMemoryError e) {
                seen.add("thread refused");
            }
            return seen;
        });
        assertEquals(List.of("mode 2", "read 4", "eventfd ok", "unix socket ok", "create EPERM", "write-open EPERM",
                "inet socket EPERM", "vsock socket EPERM", "process EPERM", "thread refused"), outcomes);
    }

    @Test
    void theDeviceLoopRunsItsWorkUnderTheFilter() throws Exception {
        try (EventLoop loop = EventLoop.start("seccomp-loop", VmmSeccomp.installer())) {
            assertEquals(Seccomp.SECCOMP_MODE_FILTER, (int) loop.call(Seccomp::mode));
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> loop.call(() -> Libc.open(Path.of("/tmp/vmmsec-seccomp-loop"),
                            Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600)));
            SyscallException refused = assertInstanceOf(SyscallException.class, failed.getCause());
            assertTrue(refused.is(Errno.EPERM), refused.getMessage());
        }
        assertFalse(Files.exists(Path.of("/tmp/vmmsec-seccomp-loop")));
    }

    @Test
    void aLoopWhoseSetupFailsDoesNotStart() {
        SyscallException failure = assertThrows(SyscallException.class,
                () -> EventLoop.start("seccomp-failing", () -> {
                    throw new SyscallException("seccomp(test)", Errno.EINVAL.number());
                }));
        assertTrue(failure.getMessage().contains("seccomp(test)"), failure.getMessage());
    }

    private interface Call {
        void run() throws Exception;
    }

    private static String refusal(Call call) throws Exception {
        try {
            call.run();
            return "allowed";
        } catch (SyscallException e) {
            return Errno.nameOf(e.errno());
        }
    }

    private static String ioRefusal(Call call) throws Exception {
        try {
            call.run();
            return "allowed";
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("Operation not permitted") ? "EPERM"
                    : "other: " + e;
        }
    }
}
