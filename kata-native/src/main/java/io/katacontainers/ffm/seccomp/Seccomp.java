package io.katacontainers.ffm.seccomp;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * Installs a {@link SeccompFilter} on the calling thread: {@code prctl(PR_SET_NO_NEW_PRIVS, 1)} (required to
 * install a filter without CAP_SYS_ADMIN, and what keeps a filtered thread from gaining privileges through exec),
 * then {@code seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)}. Without SECCOMP_FILTER_FLAG_TSYNC the filter binds this
 * thread and the threads it creates from now on, and no other. A filter cannot be removed; more can be stacked.
 */
public final class Seccomp {
    public static final int PR_GET_SECCOMP = 21;
    public static final int PR_SET_NO_NEW_PRIVS = 38;
    public static final int PR_GET_NO_NEW_PRIVS = 39;
    public static final int SECCOMP_SET_MODE_FILTER = 1;
    /** {@code PR_GET_SECCOMP}'s answer for a thread under a filter. */
    public static final int SECCOMP_MODE_FILTER = 2;

    /** {@code struct sock_filter}: u16 code, u8 jt, u8 jf, u32 k. */
    public static final StructLayout SOCK_FILTER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("code"), JAVA_BYTE.withName("jt"), JAVA_BYTE.withName("jf"),
            JAVA_INT.withName("k")).withName("sock_filter");
    /** {@code struct sock_fprog}: u16 len, then a pointer to the instructions. */
    public static final StructLayout SOCK_FPROG = MemoryLayout.structLayout(
            JAVA_SHORT.withName("len"), MemoryLayout.paddingLayout(6), ADDRESS.withName("filter"))
            .withName("sock_fprog");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final VarHandle LEN = SOCK_FPROG.varHandle(MemoryLayout.PathElement.groupElement("len"));
    private static final VarHandle FILTER = SOCK_FPROG.varHandle(MemoryLayout.PathElement.groupElement("filter"));
    // Both are variadic in C after their first argument.
    private static final MethodHandle PRCTL = downcall("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SYSCALL = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));

    private Seccomp() {
    }

    /**
     * Sets no_new_privs and installs {@code filter} on the calling thread only.
     *
     * @throws SyscallException naming the call that failed (EINVAL: a kernel without seccomp filters; EFAULT or
     *                          EINVAL on a bad program)
     */
    public static void install(SeccompFilter filter) throws SyscallException {
        List<BpfInstruction> program = filter.program();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment instructions = arena.allocate(SOCK_FILTER, program.size());
            for (int i = 0; i < program.size(); i++) {
                BpfInstruction insn = program.get(i);
                long at = i * SOCK_FILTER.byteSize();
                instructions.set(JAVA_SHORT, at, (short) insn.code());
                instructions.set(JAVA_BYTE, at + 2, (byte) insn.jt());
                instructions.set(JAVA_BYTE, at + 3, (byte) insn.jf());
                instructions.set(JAVA_INT, at + 4, insn.k());
            }
            MemorySegment prog = arena.allocate(SOCK_FPROG);
            LEN.set(prog, 0L, (short) program.size());
            FILTER.set(prog, 0L, instructions);
            MemorySegment state = arena.allocate(CALL_STATE);
            prctl(state, PR_SET_NO_NEW_PRIVS, 1, "prctl(PR_SET_NO_NEW_PRIVS)");
            long rc;
            try {
                rc = (long) SYSCALL.invokeExact(state, (long) Syscall.SECCOMP_NUMBER, (long) SECCOMP_SET_MODE_FILTER,
                        0L, prog);
            } catch (Throwable t) {
                throw failure(t);
            }
            if (rc == -1L) {
                throw new SyscallException("seccomp(SECCOMP_SET_MODE_FILTER, " + program.size() + " instructions)",
                        (int) ERRNO.get(state, 0L));
            }
        }
    }

    /** The calling thread's seccomp mode: 0 none, 2 ({@link #SECCOMP_MODE_FILTER}) under a filter. */
    public static int mode() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            return prctl(arena.allocate(CALL_STATE), PR_GET_SECCOMP, 0, "prctl(PR_GET_SECCOMP)");
        }
    }

    private static int prctl(MemorySegment state, int option, long arg, String what) throws SyscallException {
        int rc;
        try {
            rc = (int) PRCTL.invokeExact(state, option, arg, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw failure(t);
        }
        if (rc == -1) {
            throw new SyscallException(what, (int) ERRNO.get(state, 0L));
        }
        return rc;
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(1));
    }

    private static RuntimeException failure(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("unexpected checked exception from a downcall", t);
    }
}
