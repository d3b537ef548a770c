package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * setns(2) and unshare(2). Both act on the calling thread only (for a network namespace): call them on a platform
 * thread dedicated to the namespace's work, never on a virtual thread or a pooled one.
 */
public final class Namespaces {
    public static final int CLONE_NEWNET = 0x40000000;

    private static final MethodHandle SETNS = Downcalls.withErrno("setns",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNSHARE = Downcalls.withErrno("unshare",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private Namespaces() {
    }

    /** Moves the calling thread into the namespace {@code fd} refers to ({@code nstype} 0 accepts any kind). */
    public static void setns(int fd, int nstype, String what) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) SETNS.invokeExact(state, fd, nstype);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "setns(" + what + ")");
        }
    }

    /** Gives the calling thread new namespaces of the kinds in {@code flags}. */
    public static void unshare(int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) UNSHARE.invokeExact(state, flags);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "unshare(" + Integer.toHexString(flags) + ")");
        }
    }
}
