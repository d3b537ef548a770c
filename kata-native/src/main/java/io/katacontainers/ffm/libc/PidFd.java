package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

/**
 * Waiting for any process's exit, not only a child's, without polling: pidfd_open(2) (Linux 5.3) gives a descriptor
 * that poll(2) reports readable once the process has exited (a zombie counts: its parent need not have reaped it).
 * The wait blocks in a downcall: call it from a platform thread.
 */
public final class PidFd {
    private static final MethodHandle PIDFD_OPEN = Downcalls.withErrno("pidfd_open",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private PidFd() {
    }

    /**
     * Waits until process {@code pid} has exited, or {@code timeout} has passed.
     *
     * @return whether it has exited (true at once when there is no such process)
     */
    public static boolean awaitExit(long pid, Duration timeout) throws SyscallException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Fd fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) PIDFD_OPEN.invokeExact(state, Math.toIntExact(pid), 0);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            if (rc == -1 && Downcalls.errno(state) == Errno.ESRCH.number()) {
                return true;
            }
            fd = Fd.adopt(Downcalls.check(rc, state, "pidfd_open(" + pid + ")"));
        }
        try (fd) {
            while (true) {
                long left = deadline - System.nanoTime();
                int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (left + 999_999) / 1_000_000));
                if (Poll.poll(fd.get(), Poll.POLLIN, millis) != 0) {
                    return true;
                }
                if (left <= 0) {
                    return false;
                }
                // 0 without the deadline: a signal interrupted poll(2); wait for the rest.
            }
        }
    }
}
