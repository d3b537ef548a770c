package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The tun/tap ioctls a VMM needs on a tap descriptor ({@code linux/if_tun.h}): attach to or create a tap by name,
 * the size of the virtio-net header the tap adds to each frame, and the offloads it may hand over; plus a
 * close-on-exec duplicate of a descriptor someone else owns.
 */
public final class TunTap {
    public static final Path CLONE_DEVICE = Path.of("/dev/net/tun");

    /** ifr_flags: a layer-2 tap. */
    public static final int IFF_TAP = 0x0002;
    /** ifr_flags: no 4-byte packet-information prefix. */
    public static final int IFF_NO_PI = 0x1000;
    /** ifr_flags: each frame starts with a virtio-net header. */
    public static final int IFF_VNET_HDR = 0x4000;
    /** The flags of a virtio-net device's tap: frames without packet information, with the virtio-net header. */
    public static final int VIRTIO_NET_FLAGS = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;

    /** TUNSETOFFLOAD flags: the reader accepts partial checksums, TCPv4 and TCPv6 segmentation offload. */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;

    static final long TUNSETIFF = 0x400454caL;
    static final long TUNGETIFF = 0x800454d2L;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final long TUNGETVNETHDRSZ = 0x800454d7L;
    static final long TUNSETVNETHDRSZ = 0x400454d8L;
    /** struct ifreq: the name (IFNAMSIZ = 16) and a 24-byte union whose first member is ifr_flags. */
    static final int IFREQ_SIZE = 40;
    static final int IFNAMSIZ = 16;
    private static final int F_DUPFD_CLOEXEC = 1030;

    private static final MethodHandle READ = Downcalls.withErrno("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = Downcalls.withErrno("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FCNTL = Downcalls.withErrno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));

    private TunTap() {
    }

    /**
     * Opens {@code /dev/net/tun} (close-on-exec, non-blocking) and attaches it to the tap {@code name} of the calling
     * thread's network namespace with {@code flags} (e.g. {@code IFF_TAP | IFF_NO_PI | IFF_VNET_HDR}), creating the
     * tap if it does not exist; a tap created so goes away when its last descriptor closes.
     */
    public static Fd open(String name, int flags) throws SyscallException {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("an interface name has 1 to 15 characters: " + name);
        }
        Fd fd = Libc.open(CLONE_DEVICE, Libc.O_RDWR | Libc.O_CLOEXEC | Libc.O_NONBLOCK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            ifreq.asSlice(0, bytes.length).copyFrom(MemorySegment.ofArray(bytes));
            ifreq.set(JAVA_SHORT, IFNAMSIZ, (short) flags);
            Libc.ioctl(fd.get(), TUNSETIFF, ifreq, "TUNSETIFF " + name);
            return fd;
        } catch (SyscallException | RuntimeException e) {
            try (fd) {
                throw e;
            }
        }
    }

    /** The ifr_flags of the tap {@code fd} is attached to (TUNGETIFF). */
    public static int flags(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            Libc.ioctl(fd, TUNGETIFF, ifreq, "TUNGETIFF");
            return Short.toUnsignedInt(ifreq.get(JAVA_SHORT, IFNAMSIZ));
        }
    }

    /** The interface name of the tap {@code fd} is attached to (TUNGETIFF). */
    public static String name(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            Libc.ioctl(fd, TUNGETIFF, ifreq, "TUNGETIFF");
            return ifreq.getString(0, StandardCharsets.US_ASCII);
        }
    }

    /** TUNSETVNETHDRSZ: the virtio-net header size (10, or 12 for virtio 1.x's num_buffers) on every frame. */
    public static void setVnetHeaderSize(int fd, int size) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.ioctl(fd, TUNSETVNETHDRSZ, arena.allocateFrom(JAVA_INT, size), "TUNSETVNETHDRSZ");
        }
    }

    /** TUNGETVNETHDRSZ. */
    public static int vnetHeaderSize(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_INT);
            Libc.ioctl(fd, TUNGETVNETHDRSZ, size, "TUNGETVNETHDRSZ");
            return size.get(JAVA_INT, 0);
        }
    }

    /**
     * TUNSETOFFLOAD: which offloads ({@code TUN_F_*}) the reader of the tap takes; with 0 the kernel checksums and
     * segments every frame before the reader gets it.
     */
    public static void setOffload(int fd, int offloads) throws SyscallException {
        Libc.ioctl(fd, TUNSETOFFLOAD, Integer.toUnsignedLong(offloads), "TUNSETOFFLOAD");
    }

    /**
     * Whole frames in and out of a non-blocking tap (or any descriptor that keeps message boundaries), for the one
     * thread that moves a device's frames: "nothing to read" and "no room" are a result ({@link #WOULD_BLOCK}), not
     * an exception, and no memory is allocated per call, because both happen at the end of every burst of frames.
     */
    public static final class FrameIo implements AutoCloseable {
        /** What {@link #read} and {@link #write} return for EAGAIN. */
        public static final long WOULD_BLOCK = -1;

        private final Arena arena = Arena.ofShared();
        private final MemorySegment state = Downcalls.callState(arena);

        /** read(2) of one frame into {@code buffer}: its length, 0 at end of file, or {@link #WOULD_BLOCK}. */
        public long read(int fd, MemorySegment buffer) throws SyscallException {
            long n;
            try {
                n = (long) READ.invokeExact(state, fd, buffer, buffer.byteSize());
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            return result(n, "read(" + fd + ")");
        }

        /** write(2) of one frame from {@code buffer}: the bytes written, or {@link #WOULD_BLOCK}. */
        public long write(int fd, MemorySegment buffer) throws SyscallException {
            long n;
            try {
                n = (long) WRITE.invokeExact(state, fd, buffer, buffer.byteSize());
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            return result(n, "write(" + fd + ")");
        }

        private long result(long n, String call) throws SyscallException {
            if (n == -1 && Downcalls.errno(state) == Errno.EAGAIN.number()) {
                return WOULD_BLOCK;
            }
            return Downcalls.check(n, state, call);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /** A close-on-exec duplicate of {@code fd} (F_DUPFD_CLOEXEC), owned by the caller. */
    public static Fd duplicate(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) FCNTL.invokeExact(state, fd, F_DUPFD_CLOEXEC, 0);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            return Fd.adopt(Downcalls.check(rc, state, "fcntl(" + fd + ", F_DUPFD_CLOEXEC)"));
        }
    }
}
