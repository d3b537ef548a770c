package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * Thin FFM downcalls into glibc. Every call captures errno in the same downcall (Linker.Option.captureCallState),
 * because errno read by a later downcall may already be overwritten by the JVM. Failures become
 * {@link SyscallException}; calls that create descriptors or mappings return owning {@link Fd} / {@link Mapping}.
 */
public final class Libc {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;

    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;

    public static final int EFD_SEMAPHORE = 1;
    public static final int EFD_NONBLOCK = 04000;
    public static final int EFD_CLOEXEC = 02000000;

    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = CALL_STATE.varHandle(PathElement.groupElement("errno"));

    // open and ioctl are variadic in C: declaring that makes the downcall follow the variadic calling convention.
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    private static final MethodHandle WRITE = downcall("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    private static final MethodHandle IOCTL_LONG = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_POINTER = downcall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    private static final MethodHandle EVENTFD = downcall("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle MEMFD_CREATE = downcall("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    private static final MethodHandle FTRUNCATE = downcall("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
    private static final MethodHandle LSEEK = downcall("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO);

    private static final long MAP_FAILED = -1L;

    private Libc() {
    }

    /** open(2) with mode 0; returns an owned descriptor. O_CLOEXEC is the caller's choice, but nearly always right. */
    public static Fd open(Path path, int flags) throws SyscallException {
        return open(path, flags, 0);
    }

    /** open(2); the failure message names the path, e.g. {@code open(/dev/kvm) failed: ENOENT (...)}. */
    public static Fd open(Path path, int flags, int mode) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cPath = arena.allocateFrom(path.toString());
            int fd;
            try {
                fd = (int) OPEN.invokeExact(state, cPath, flags, mode);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            return Fd.adopt(check(fd, state, "open(" + path + ")"));
        }
    }

    /** close(2) on a raw number; prefer {@link Fd#close()}. */
    public static void close(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc;
            try {
                rc = (int) CLOSE.invokeExact(state, fd);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            check(rc, state, "close(" + fd + ")");
        }
    }

    /** read(2) into the whole of {@code buffer}; returns the byte count read (0 at end of file). */
    public static long read(int fd, MemorySegment buffer) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long n;
            try {
                n = (long) READ.invokeExact(state, fd, buffer, buffer.byteSize());
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            return check(n, state, "read(" + fd + ")");
        }
    }

    /** write(2) of the whole of {@code buffer}; returns the byte count written (may be short). */
    public static long write(int fd, MemorySegment buffer) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long n;
            try {
                n = (long) WRITE.invokeExact(state, fd, buffer, buffer.byteSize());
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            return check(n, state, "write(" + fd + ")");
        }
    }

    /** ioctl(2) with an integer argument; failures name the request by its number. */
    public static int ioctl(int fd, long request, long arg) throws SyscallException {
        return ioctl(fd, request, arg, hex(request));
    }

    /**
     * ioctl(2) with an integer argument.
     *
     * @param requestName used in the failure message, e.g. {@code KVM_CREATE_VM}
     */
    public static int ioctl(int fd, long request, long arg, String requestName) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc;
            try {
                rc = (int) IOCTL_LONG.invokeExact(state, fd, request, arg);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            return check(rc, state, "ioctl(" + requestName + ")");
        }
    }

    /** ioctl(2) with a pointer argument; failures name the request by its number. */
    public static int ioctl(int fd, long request, MemorySegment arg) throws SyscallException {
        return ioctl(fd, request, arg, hex(request));
    }

    /**
     * ioctl(2) with a pointer argument (a struct the kernel reads and/or writes).
     *
     * @param requestName used in the failure message, e.g. {@code KVM_SET_REGS}
     */
    public static int ioctl(int fd, long request, MemorySegment arg, String requestName) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc;
            try {
                rc = (int) IOCTL_POINTER.invokeExact(state, fd, request, arg);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            return check(rc, state, "ioctl(" + requestName + ")");
        }
    }

    /** mmap(2) at a kernel-chosen address; the returned {@link Mapping} unmaps on close. */
    public static Mapping mmap(long length, int prot, int flags, int fd, long offset) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment address;
            try {
                address = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            if (address.address() == MAP_FAILED) {
                throw new SyscallException("mmap(length=" + length + ", fd=" + fd + ")", errno(state));
            }
            return new Mapping(address.reinterpret(length));
        }
    }

    /** Anonymous private read/write memory, e.g. guest RAM in tests. */
    public static Mapping mmapAnonymous(long length) throws SyscallException {
        return mmap(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    }

    /** munmap(2) of exactly {@code region}; prefer {@link Mapping#close()}. */
    public static void munmap(MemorySegment region) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc;
            try {
                rc = (int) MUNMAP.invokeExact(state, region, region.byteSize());
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            check(rc, state, "munmap(length=" + region.byteSize() + ")");
        }
    }

    /** eventfd(2); used for KVM irqfd/ioeventfd. */
    public static Fd eventfd(int initialValue, int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd;
            try {
                fd = (int) EVENTFD.invokeExact(state, initialValue, flags);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            return Fd.adopt(check(fd, state, "eventfd"));
        }
    }

    /** memfd_create(2); guest RAM that vhost-user backends (virtiofsd) can map too. Size it with {@link #ftruncate}. */
    public static Fd memfdCreate(String name, int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cName = arena.allocateFrom(name);
            int fd;
            try {
                fd = (int) MEMFD_CREATE.invokeExact(state, cName, flags);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            return Fd.adopt(check(fd, state, "memfd_create(" + name + ")"));
        }
    }

    /** ftruncate(2). */
    public static void ftruncate(int fd, long length) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc;
            try {
                rc = (int) FTRUNCATE.invokeExact(state, fd, length);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            check(rc, state, "ftruncate(" + fd + ")");
        }
    }

    /** lseek(2) {@code whence}: the next byte at or after the offset that holds data. */
    public static final int SEEK_DATA = 3;
    /** lseek(2) {@code whence}: the next hole at or after the offset (the end of the file counts as one). */
    public static final int SEEK_HOLE = 4;

    /**
     * lseek(2): the new offset. With {@link #SEEK_DATA}, a file with no data from {@code offset} on fails with ENXIO
     * (see {@link SyscallException#is}); memfd and tmpfs report their holes exactly.
     */
    public static long lseek(int fd, long offset, int whence) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc;
            try {
                rc = (long) LSEEK.invokeExact(state, fd, offset, whence);
            } catch (Throwable t) {
                throw downcallFailure(t);
            }
            return check(rc, state, "lseek(" + fd + ", " + offset + ", " + whence + ")");
        }
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO_VALUE.get(state, 0L);
    }

    private static int check(int rc, MemorySegment state, String syscall) throws SyscallException {
        if (rc == -1) {
            throw new SyscallException(syscall, errno(state));
        }
        return rc;
    }

    private static long check(long rc, MemorySegment state, String syscall) throws SyscallException {
        if (rc == -1L) {
            throw new SyscallException(syscall, errno(state));
        }
        return rc;
    }

    // invokeExact declares Throwable; with exact static types the only possible throwables are JVM errors.
    private static RuntimeException downcallFailure(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("unexpected checked exception from a downcall", t);
    }

    private static String hex(long request) {
        return "0x" + Long.toHexString(request);
    }
}
