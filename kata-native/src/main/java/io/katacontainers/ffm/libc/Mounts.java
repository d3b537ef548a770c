package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** mount(2) and umount2(2), with the MS_* and MNT_* flags of {@code <sys/mount.h>}. */
public final class Mounts {
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_SYNCHRONOUS = 16;
    public static final long MS_REMOUNT = 32;
    public static final long MS_MANDLOCK = 64;
    public static final long MS_DIRSYNC = 128;
    public static final long MS_NOATIME = 1024;
    public static final long MS_NODIRATIME = 2048;
    public static final long MS_BIND = 4096;
    public static final long MS_MOVE = 8192;
    public static final long MS_REC = 16384;
    public static final long MS_SILENT = 32768;
    public static final long MS_UNBINDABLE = 1 << 17;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final long MS_RELATIME = 1 << 21;
    public static final long MS_STRICTATIME = 1 << 24;
    public static final long MS_LAZYTIME = 1 << 25;

    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;

    private static final MethodHandle MOUNT = Downcalls.withErrno("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = Downcalls.withErrno("umount2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private Mounts() {
    }

    /**
     * mount(2).
     *
     * @param source the device, tag or directory; {@code null} for none (e.g. a remount)
     * @param fstype {@code null} for bind mounts and propagation changes
     * @param data   filesystem options such as {@code size=64m}; {@code null} or empty for none
     */
    public static void mount(String source, Path target, String fstype, long flags, String data)
            throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) MOUNT.invokeExact(state, cString(arena, source), arena.allocateFrom(target.toString()),
                        cString(arena, fstype), flags, cString(arena, data == null || data.isEmpty() ? null : data));
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "mount(" + source + " on " + target + ", type " + fstype + ")");
        }
    }

    /** umount2(2); {@link #MNT_DETACH} detaches a busy mount lazily. */
    public static void unmount(Path target, int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), flags);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "umount2(" + target + ")");
        }
    }

    private static MemorySegment cString(Arena arena, String value) {
        return value == null ? MemorySegment.NULL : arena.allocateFrom(value);
    }
}
