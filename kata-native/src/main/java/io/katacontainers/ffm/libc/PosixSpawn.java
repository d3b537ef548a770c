package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * posix_spawn(3) with file actions. The child starts with an empty signal mask, default dispositions and only the
 * descriptors the actions set up (everything from 3 up is closed), whatever the JVM holds open. Unlike
 * {@link ProcessBuilder}, the caller keeps the child's pid to itself: nothing else reaps it.
 */
public final class PosixSpawn {
    /** sizeof(posix_spawn_file_actions_t), sizeof(posix_spawnattr_t), sizeof(sigset_t) in glibc x86_64. */
    static final long FILE_ACTIONS_SIZE = 80;
    static final long ATTR_SIZE = 336;
    static final long SIGSET_SIZE = 128;

    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    public static final short POSIX_SPAWN_SETSID = 0x80;

    private static final MethodHandle SPAWN = Downcalls.plain("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FA_INIT = Downcalls.plain("posix_spawn_file_actions_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DESTROY = Downcalls.plain("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DUP2 = Downcalls.plain("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_OPEN = Downcalls.plain("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_CHDIR = Downcalls.plain("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FA_CLOSEFROM = Downcalls.plain("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ATTR_INIT = Downcalls.plain("posix_spawnattr_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_DESTROY = Downcalls.plain("posix_spawnattr_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_FLAGS = Downcalls.plain("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SIGMASK = Downcalls.plain("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SIGDEFAULT = Downcalls.plain("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = Downcalls.plain("sigemptyset",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = Downcalls.plain("sigfillset",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private PosixSpawn() {
    }

    /** What the child does with its descriptors before exec, in order. */
    public sealed interface FileAction permits Dup2, Open, Chdir {
    }

    /** dup2(fd, target) in the child: {@code fd} must be open in the parent during {@link #spawn}. */
    public record Dup2(int fd, int target) implements FileAction {
    }

    /** open(path, flags, mode) onto descriptor {@code target} in the child. */
    public record Open(int target, Path path, int flags, int mode) implements FileAction {
    }

    /** chdir(dir) in the child. */
    public record Chdir(Path dir) implements FileAction {
    }

    /**
     * Starts {@code program} (an absolute path; no PATH search).
     *
     * @param argv    the arguments, argv[0] included
     * @param envp    {@code NAME=value} entries
     * @param actions applied in order, then every descriptor from 3 up is closed
     * @return the child's pid
     * @throws SyscallException with the error posix_spawn reports (e.g. ENOENT for a missing program)
     */
    public static int spawn(Path program, List<String> argv, List<String> envp, List<FileAction> actions,
                            boolean newSession) throws SyscallException {
        return spawn(program, argv, envp, actions, newSession, 0);
    }

    /**
     * {@link #spawn(Path, List, List, List, boolean)} where the child keeps {@code keptFds} descriptors after
     * stdio: 3 up to {@code 2 + keptFds}, which the actions set up ({@link Dup2} onto them); the rest is closed.
     */
    public static int spawn(Path program, List<String> argv, List<String> envp, List<FileAction> actions,
                            boolean newSession, int keptFds) throws SyscallException {
        if (keptFds < 0) {
            throw new IllegalArgumentException("keptFds must not be negative: " + keptFds);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fileActions = arena.allocate(FILE_ACTIONS_SIZE, 8);
            MemorySegment attributes = arena.allocate(ATTR_SIZE, 8);
            check(call(FA_INIT, fileActions), "posix_spawn_file_actions_init");
            try {
                check(call(ATTR_INIT, attributes), "posix_spawnattr_init");
                try {
                    for (FileAction action : actions) {
                        add(arena, fileActions, action);
                    }
                    check(callInt(FA_CLOSEFROM, fileActions, 3 + keptFds),
                            "posix_spawn_file_actions_addclosefrom_np");
                    configure(arena, attributes, newSession);
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int rc;
                    try {
                        rc = (int) SPAWN.invokeExact(pid, arena.allocateFrom(program.toString()), fileActions,
                                attributes, strings(arena, argv), strings(arena, envp));
                    } catch (Throwable t) {
                        throw Downcalls.failure(t);
                    }
                    check(rc, "posix_spawn(" + program + ")");
                    return pid.get(JAVA_INT, 0);
                } finally {
                    call(ATTR_DESTROY, attributes);
                }
            } finally {
                call(FA_DESTROY, fileActions);
            }
        }
    }

    private static void add(Arena arena, MemorySegment fileActions, FileAction action) throws SyscallException {
        int rc;
        try {
            rc = switch (action) {
                case Dup2(int fd, int target) -> (int) FA_DUP2.invokeExact(fileActions, fd, target);
                case Open(int target, Path path, int flags, int mode) -> (int) FA_OPEN.invokeExact(fileActions,
                        target, arena.allocateFrom(path.toString()), flags, mode);
                case Chdir(Path dir) -> (int) FA_CHDIR.invokeExact(fileActions, arena.allocateFrom(dir.toString()));
            };
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
        check(rc, "posix_spawn file action " + action);
    }

    private static void configure(Arena arena, MemorySegment attributes, boolean newSession)
            throws SyscallException {
        MemorySegment empty = arena.allocate(SIGSET_SIZE, 8);
        MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
        call(SIGEMPTYSET, empty);
        call(SIGFILLSET, all);
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (newSession ? POSIX_SPAWN_SETSID : 0));
        int rc;
        try {
            rc = (int) ATTR_FLAGS.invokeExact(attributes, flags);
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
        check(rc, "posix_spawnattr_setflags");
        check(call2(ATTR_SIGMASK, attributes, empty), "posix_spawnattr_setsigmask");
        // Dispositions the JVM set to SIG_IGN would otherwise survive exec.
        check(call2(ATTR_SIGDEFAULT, attributes, all), "posix_spawnattr_setsigdefault");
    }

    /** A NULL-terminated char*[] of {@code values}. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private static int call(MethodHandle handle, MemorySegment argument) {
        try {
            return (int) handle.invokeExact(argument);
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
    }

    private static int call2(MethodHandle handle, MemorySegment first, MemorySegment second) {
        try {
            return (int) handle.invokeExact(first, second);
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
    }

    private static int callInt(MethodHandle handle, MemorySegment first, int second) {
        try {
            return (int) handle.invokeExact(first, second);
        } catch (Throwable t) {
            throw Downcalls.failure(t);
        }
    }

    /** The posix_spawn family returns an error number instead of setting errno. */
    private static void check(int rc, String what) throws SyscallException {
        if (rc != 0) {
            throw new SyscallException(what, rc);
        }
    }
}
