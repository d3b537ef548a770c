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
import java.nio.charset.StandardCharsets;

/** Whole-system calls a guest init makes: sethostname(2), settimeofday(2), sync(2), reboot(2). */
public final class SystemControl {
    /** reboot(2) commands as glibc's {@code <sys/reboot.h>} names them. */
    public static final int RB_AUTOBOOT = 0x01234567;
    public static final int RB_HALT_SYSTEM = 0xcdef0123;
    public static final int RB_POWER_OFF = 0x4321fedc;

    /** struct timeval. */
    public static final StructLayout TIMEVAL = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_usec")).withName("timeval");

    private static final MethodHandle SETHOSTNAME = Downcalls.withErrno("sethostname",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SETTIMEOFDAY = Downcalls.withErrno("settimeofday",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SYNC = Downcalls.plain("sync", FunctionDescriptor.ofVoid());
    private static final MethodHandle REBOOT = Downcalls.withErrno("reboot",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private SystemControl() {
    }

    /** sethostname(2) for the caller's UTS namespace. */
    public static void setHostname(String name) throws SyscallException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment cName = arena.allocateFrom(JAVA_BYTE, bytes.length == 0 ? new byte[1] : bytes);
            int rc;
            try {
                rc = (int) SETHOSTNAME.invokeExact(state, cName, (long) bytes.length);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "sethostname(" + name + ")");
        }
    }

    /** settimeofday(2) of the realtime clock. */
    public static void setTimeOfDay(long seconds, long microseconds) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment time = arena.allocate(TIMEVAL);
            time.set(JAVA_LONG, 0, seconds);
            time.set(JAVA_LONG, 8, microseconds);
            int rc;
            try {
                rc = (int) SETTIMEOFDAY.invokeExact(state, time, MemorySegment.NULL);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "settimeofday");
        }
    }

    /** sync(2): flush every filesystem before the machine goes away. */
    public static void sync() {
        try {
            SYNC.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
    }

    /** reboot(2): returns only on failure, or for commands that do not end the system. */
    public static void reboot(int command) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) REBOOT.invokeExact(state, command);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "reboot(0x" + Integer.toHexString(command) + ")");
        }
    }
}
