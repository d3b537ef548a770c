package io.katacontainers.ffm.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The plumbing the small binding classes share: symbol lookup, errno capture in the same downcall, and turning
 * {@code -1} into a {@link SyscallException}. Same rules as {@link Libc}, kept apart so Libc does not grow.
 */
final class Downcalls {
    static final Linker LINKER = Linker.nativeLinker();
    static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = CALL_STATE.varHandle(PathElement.groupElement("errno"));

    private Downcalls() {
    }

    /** A downcall that captures errno; the handle takes the call-state segment as its first argument. */
    static MethodHandle withErrno(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return plain(name, descriptor, options);
    }

    /** A downcall without errno capture, for functions that return their error number (posix_spawn). */
    static MethodHandle plain(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO_VALUE.get(state, 0L);
    }

    static int check(int rc, MemorySegment state, String syscall) throws SyscallException {
        if (rc == -1) {
            throw new SyscallException(syscall, errno(state));
        }
        return rc;
    }

    static long check(long rc, MemorySegment state, String syscall) throws SyscallException {
        if (rc == -1L) {
            throw new SyscallException(syscall, errno(state));
        }
        return rc;
    }

    /** invokeExact declares Throwable; with exact static types only JVM errors and runtime exceptions occur. */
    static RuntimeException failure(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("unexpected checked exception from a downcall", t);
    }
}
