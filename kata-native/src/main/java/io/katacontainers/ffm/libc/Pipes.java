package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** pipe2(2) and the O_NONBLOCK file status flag (fcntl F_GETFL/F_SETFL). */
public final class Pipes {
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;

    private static final MethodHandle PIPE2 = Downcalls.withErrno("pipe2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // fcntl is variadic after the command.
    private static final MethodHandle FCNTL = Downcalls.withErrno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));

    private Pipes() {
    }

    /** Both ends of a pipe; closing the pipe closes both (each at most once). */
    public record Pipe(Fd read, Fd write) implements AutoCloseable {
        @Override
        public void close() throws SyscallException {
            try (write; read) {
                // both ends closed by try-with-resources, the second even if the first fails
            }
        }
    }

    /** pipe2(2); pass {@link Libc#O_CLOEXEC} so the ends do not leak into unrelated children. */
    public static Pipe pipe(int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc;
            try {
                rc = (int) PIPE2.invokeExact(state, fds, flags);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "pipe2");
            return new Pipe(Fd.adopt(fds.getAtIndex(JAVA_INT, 0)), Fd.adopt(fds.getAtIndex(JAVA_INT, 1)));
        }
    }

    /**
     * Sets O_NONBLOCK on one open file description. The two ends of a pipe are separate descriptions, so making
     * this side non-blocking leaves the child's end blocking, as programs expect.
     */
    public static void setNonBlocking(int fd) throws SyscallException {
        int flags = fcntl(fd, F_GETFL, 0, "F_GETFL");
        fcntl(fd, F_SETFL, flags | Libc.O_NONBLOCK, "F_SETFL");
    }

    private static int fcntl(int fd, int command, int argument, String commandName) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) FCNTL.invokeExact(state, fd, command, argument);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            return Downcalls.check(rc, state, "fcntl(" + fd + ", " + commandName + ")");
        }
    }
}
