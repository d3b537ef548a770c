package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/** Process control: wait4(2), kill(2), prctl(PR_SET_CHILD_SUBREAPER), getpid(2). */
public final class Processes {
    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    public static final int SIGCHLD = 17;

    public static final int WNOHANG = 1;
    /** Wait for clone children too, whatever signal they report their exit with. */
    public static final int WALL = 0x40000000;

    public static final int PR_SET_CHILD_SUBREAPER = 36;
    public static final int PR_GET_CHILD_SUBREAPER = 37;

    private static final MethodHandle WAIT4 = Downcalls.withErrno("wait4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle KILL = Downcalls.withErrno("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // prctl is variadic after the option.
    private static final MethodHandle PRCTL = Downcalls.withErrno("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle GETPID = Downcalls.plain("getpid", FunctionDescriptor.of(JAVA_INT));

    private Processes() {
    }

    /**
     * A child's change of state as wait4(2) reports it, with the W* macros of {@code <sys/wait.h>}.
     *
     * @param pid    the child
     * @param status the raw wait status
     */
    public record WaitStatus(int pid, int status) {
        public boolean exited() {
            return (status & 0x7f) == 0;
        }

        /** WEXITSTATUS; meaningful when {@link #exited()}. */
        public int exitCode() {
            return (status >> 8) & 0xff;
        }

        public boolean signaled() {
            int low = status & 0x7f;
            return low != 0 && low != 0x7f;
        }

        /** WTERMSIG; meaningful when {@link #signaled()}. */
        public int termSignal() {
            return status & 0x7f;
        }
    }

    /**
     * wait4(2) for {@code pid} ({@code -1}: any child).
     *
     * @return the child that changed state; empty with {@link #WNOHANG} when none has
     * @throws SyscallException ECHILD when there is no child to wait for, EINTR when a signal interrupted the wait
     */
    public static Optional<WaitStatus> wait4(int pid, int options) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment status = arena.allocate(JAVA_INT);
            int rc;
            try {
                rc = (int) WAIT4.invokeExact(state, pid, status, options, MemorySegment.NULL);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "wait4(" + pid + ")");
            return rc == 0 ? Optional.empty() : Optional.of(new WaitStatus(rc, status.get(JAVA_INT, 0)));
        }
    }

    /** kill(2). */
    public static void kill(int pid, int signal) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) KILL.invokeExact(state, pid, signal);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "kill(" + pid + ", " + signal + ")");
        }
    }

    /** Makes orphaned descendants re-parent to this process instead of to PID 1 (prctl PR_SET_CHILD_SUBREAPER). */
    public static void setChildSubreaper(boolean on) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) PRCTL.invokeExact(state, PR_SET_CHILD_SUBREAPER, on ? 1L : 0L, 0L, 0L, 0L);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "prctl(PR_SET_CHILD_SUBREAPER)");
        }
    }

    /** Whether this process is a child subreaper (prctl PR_GET_CHILD_SUBREAPER). */
    public static boolean isChildSubreaper() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment flag = arena.allocate(JAVA_INT);
            int rc;
            try {
                rc = (int) PRCTL.invokeExact(state, PR_GET_CHILD_SUBREAPER, flag.address(), 0L, 0L, 0L);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "prctl(PR_GET_CHILD_SUBREAPER)");
            return flag.get(JAVA_INT, 0) != 0;
        }
    }

    /** getpid(2). */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
    }
}
