package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * One epoll instance (epoll_create1, epoll_ctl, epoll_wait) with its own buffer of ready events. Registrations may
 * come from any thread; {@link #await} and the ready-event accessors belong to the one thread that waits.
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = 0x1;
    public static final int EPOLLOUT = 0x4;
    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLL_CLOEXEC = 02000000;

    /** struct epoll_event: packed on x86_64, so the 64-bit user data sits unaligned at offset 4. */
    public static final StructLayout EPOLL_EVENT = MemoryLayout.structLayout(
            JAVA_INT.withName("events"), JAVA_LONG_UNALIGNED.withName("data")).withName("epoll_event");

    private static final MethodHandle CREATE = Downcalls.withErrno("epoll_create1",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle CTL = Downcalls.withErrno("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle WAIT = Downcalls.withErrno("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));

    private final Fd epfd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ready;
    private final MemorySegment waitState;
    private final int capacity;

    private Epoll(Fd epfd, int capacity) {
        this.epfd = epfd;
        this.capacity = capacity;
        this.ready = arena.allocate(EPOLL_EVENT, capacity);
        this.waitState = Downcalls.callState(arena);
    }

    /** A close-on-exec epoll instance that reports at most {@code capacity} ready descriptors per {@link #await}. */
    public static Epoll create(int capacity) throws SyscallException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("epoll capacity must be positive: " + capacity);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(call);
            int fd;
            try {
                fd = (int) CREATE.invokeExact(state, EPOLL_CLOEXEC);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            return new Epoll(Fd.adopt(Downcalls.check(fd, state, "epoll_create1")), capacity);
        }
    }

    /** Watches {@code fd} for {@code events}; {@code data} comes back with each ready event. */
    public void add(int fd, int events, long data) throws SyscallException {
        control(EPOLL_CTL_ADD, fd, events, data, "EPOLL_CTL_ADD");
    }

    /** Replaces the events and data of a watched descriptor. */
    public void modify(int fd, int events, long data) throws SyscallException {
        control(EPOLL_CTL_MOD, fd, events, data, "EPOLL_CTL_MOD");
    }

    /** Stops watching {@code fd}. */
    public void remove(int fd) throws SyscallException {
        control(EPOLL_CTL_DEL, fd, 0, 0, "EPOLL_CTL_DEL");
    }

    /**
     * Waits for ready descriptors ({@code timeoutMillis} -1 waits forever).
     *
     * @return how many are ready (0 on timeout or when a signal interrupted the wait); read them with
     *         {@link #readyEvents(int)} and {@link #readyData(int)}
     */
    public int await(int timeoutMillis) throws SyscallException {
        int rc;
        try {
            rc = (int) WAIT.invokeExact(waitState, epfd.get(), ready, capacity, timeoutMillis);
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
        if (rc == -1 && Downcalls.errno(waitState) == Errno.EINTR.number()) {
            return 0;
        }
        return Downcalls.check(rc, waitState, "epoll_wait(" + epfd + ")");
    }

    /** The event bits of the {@code index}-th ready descriptor of the last {@link #await}. */
    public int readyEvents(int index) {
        return ready.get(JAVA_INT, index * EPOLL_EVENT.byteSize());
    }

    /** The registered data of the {@code index}-th ready descriptor of the last {@link #await}. */
    public long readyData(int index) {
        return ready.get(JAVA_LONG_UNALIGNED, index * EPOLL_EVENT.byteSize() + 4);
    }

    private void control(int op, int fd, int events, long data, String opName) throws SyscallException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(call);
            MemorySegment event = call.allocate(EPOLL_EVENT);
            event.set(JAVA_INT, 0, events);
            event.set(JAVA_LONG_UNALIGNED, 4, data);
            int rc;
            try {
                rc = (int) CTL.invokeExact(state, epfd.get(), op, fd, event);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "epoll_ctl(" + opName + ", fd " + fd + ")");
        }
    }

    /** Closes the epoll descriptor and frees the event buffer; call only after the waiting thread has stopped. */
    @Override
    public void close() throws SyscallException {
        try {
            epfd.close();
        } finally {
            arena.close();
        }
    }
}
