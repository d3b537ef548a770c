package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** A signal with the no-op handler interrupts a blocking system call in exactly the thread it is sent to. */
class ThreadSignalsTest {
    @Test
    void signalInterruptsBlockingReadInTargetThread() throws Exception {
        int signal = ThreadSignals.sigrtmin() + 2;
        assertTrue(signal <= ThreadSignals.sigrtmax(), "real-time signal range too small");
        ThreadSignals.installInterruptHandler(signal);
        try (Pipes.Pipe pipe = Pipes.pipe(Libc.O_CLOEXEC)) {
            CompletableFuture<Long> threadId = new CompletableFuture<>();
            CompletableFuture<SyscallException> failure = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                threadId.complete(ThreadSignals.self());
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buffer = arena.allocate(1);
                    Libc.read(pipe.read().get(), buffer);
                    failure.completeExceptionally(new AssertionError("read returned without data"));
                } catch (SyscallException e) {
                    failure.complete(e);
                }
            });
            long target = threadId.get(5, TimeUnit.SECONDS);
            // The read may not have started yet: keep kicking until it fails (a kick before it is harmless).
            while (!failure.isDone()) {
                ThreadSignals.kill(target, signal);
                Thread.sleep(10);
            }
            reader.join();
            assertTrue(failure.get().is(Errno.EINTR), failure.get().getMessage());
        }
    }

    @Test
    void badSignalIsReported() {
        SyscallException e = assertThrows(SyscallException.class, () -> ThreadSignals.installInterruptHandler(9999));
        assertTrue(e.is(Errno.EINVAL), e.getMessage());
    }
}
