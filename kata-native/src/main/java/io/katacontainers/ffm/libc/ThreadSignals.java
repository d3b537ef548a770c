package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Signals aimed at one thread, to interrupt a blocking system call in it (e.g. KVM_RUN): sigaction(2) with a
 * native no-op handler, pthread_self(3), pthread_kill(3), and the real-time signal range. The handler must be
 * native code (a Java upcall is not async-signal-safe); any async-signal-safe libc function that ignores its
 * argument serves, and {@code getpid} is used.
 */
public final class ThreadSignals {
    /** {@code struct sigaction} as glibc lays it out on x86_64 (sa_handler is a macro for the union member). */
    public static final StructLayout SIGACTION = MemoryLayout.structLayout(
            ADDRESS.withName("sa_handler"),
            MemoryLayout.sequenceLayout(PosixSpawn.SIGSET_SIZE, JAVA_BYTE)
                    .withName("sa_mask"),
            JAVA_INT.withName("sa_flags"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("sa_restorer")).withName("sigaction");

    private static final VarHandle SA_HANDLER =
            SIGACTION.varHandle(MemoryLayout.PathElement.groupElement("sa_handler"));
    private static final MethodHandle SIGACTION_CALL = Downcalls.withErrno("sigaction",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle PTHREAD_SELF = Downcalls.plain("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle PTHREAD_KILL = Downcalls.plain("pthread_kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SIGRTMIN = Downcalls.plain("__libc_current_sigrtmin",
            FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SIGRTMAX = Downcalls.plain("__libc_current_sigrtmax",
            FunctionDescriptor.of(JAVA_INT));

    private ThreadSignals() {
    }

    /** The first real-time signal applications may use (glibc reserves the lowest ones for itself). */
    public static int sigrtmin() {
        try {
            return (int) SIGRTMIN.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
    }

    public static int sigrtmax() {
        try {
            return (int) SIGRTMAX.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
    }

    /**
     * Installs a handler for {@code signal} that does nothing (it calls getpid), without SA_RESTART: delivering the
     * signal to a thread then makes its current blocking system call fail with EINTR instead of killing the process.
     * Idempotent.
     */
    public static void installInterruptHandler(int signal) throws SyscallException {
        MemorySegment noop = Downcalls.LINKER.defaultLookup().find("getpid")
                .orElseThrow(() -> new IllegalStateException("libc has no symbol getpid"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(SIGACTION);
            SA_HANDLER.set(action, 0L, noop);
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) SIGACTION_CALL.invokeExact(state, signal, action, MemorySegment.NULL);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "sigaction(" + signal + ")");
        }
    }

    /** The calling thread's pthread_t. */
    public static long self() {
        try {
            return (long) PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
    }

    /**
     * Sends {@code signal} to the thread {@code thread} of this process. The caller must know the thread is still
     * alive: a pthread_t of an exited thread is undefined behaviour.
     */
    public static void kill(long thread, int signal) throws SyscallException {
        int rc;
        try {
            rc = (int) PTHREAD_KILL.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
        if (rc != 0) {
            throw new SyscallException("pthread_kill(" + signal + ")", rc);
        }
    }
}
