package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * poll(2) on one descriptor. Waiting with a timeout lets a thread that blocks on a pipe, pty or socket notice
 * that it should stop, where a plain blocking read(2) would not wake up when another thread closes the fd.
 */
public final class Poll {
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    /** struct pollfd. */
    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"))
            .withName("pollfd");

    private static final MethodHandle POLL = Downcalls.withErrno("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Poll() {
    }

    /**
     * Waits until {@code fd} has one of {@code events} (or an error/hang-up) or the timeout passes.
     *
     * @return the returned events ({@code revents}), 0 on timeout or when a signal interrupted the wait
     */
    public static int poll(int fd, short events, int timeoutMillis) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment pollfd = arena.allocate(POLLFD);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, events);
            int rc;
            try {
                rc = (int) POLL.invokeExact(state, pollfd, 1L, timeoutMillis);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            if (rc == -1 && Downcalls.errno(state) == Errno.EINTR.number()) {
                return 0;
            }
            Downcalls.check(rc, state, "poll(" + fd + ")");
            return rc == 0 ? 0 : Short.toUnsignedInt(pollfd.get(JAVA_SHORT, 6));
        }
    }
}
