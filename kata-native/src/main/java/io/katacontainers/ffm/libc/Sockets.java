package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sockets the JDK does not offer: AF_VSOCK streams, and unix sockets that carry file descriptors (SCM_RIGHTS),
 * as OCI runtimes use to hand over a terminal's master through {@code --console-socket}.
 */
public final class Sockets {
    public static final int AF_UNIX = 1;
    public static final int AF_VSOCK = 40;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 04000;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SHUT_RDWR = 2;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** Report EPIPE instead of raising SIGPIPE when the peer is gone. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** Listen on every context id the guest has. */
    public static final int VMADDR_CID_ANY = -1;

    /** struct sockaddr_vm. */
    public static final StructLayout SOCKADDR_VM = MemoryLayout.structLayout(
            JAVA_SHORT.withName("svm_family"), JAVA_SHORT.withName("svm_reserved1"),
            JAVA_INT.withName("svm_port"), JAVA_INT.withName("svm_cid"),
            JAVA_BYTE.withName("svm_flags"), MemoryLayout.sequenceLayout(3, JAVA_BYTE).withName("svm_zero"))
            .withName("sockaddr_vm");

    /** struct sockaddr_un. */
    public static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sun_family"), MemoryLayout.sequenceLayout(108, JAVA_BYTE).withName("sun_path"))
            .withName("sockaddr_un");

    /** struct iovec. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len")).withName("iovec");

    /** struct msghdr. */
    public static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"), JAVA_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"), JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"), JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4)).withName("msghdr");

    /** struct cmsghdr (the header; the data follows it). */
    public static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"))
            .withName("cmsghdr");

    /** CMSG_LEN(sizeof(int)) and CMSG_SPACE(sizeof(int)) on x86_64. */
    static final long CMSG_LEN_ONE_FD = cmsgLength(1);
    static final long CMSG_SPACE_ONE_FD = cmsgSpace(1);
    /** The most descriptors one {@link #sendFds} call attaches (the kernel's SCM_MAX_FD is 253). */
    public static final int MAX_FDS_PER_MESSAGE = 16;

    private static final int MAX_UNIX_PATH = 107;

    private static final MethodHandle SOCKET = Downcalls.withErrno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = Downcalls.withErrno("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CONNECT = Downcalls.withErrno("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = Downcalls.withErrno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = Downcalls.withErrno("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = Downcalls.withErrno("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = Downcalls.withErrno("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle RECVMSG = Downcalls.withErrno("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = Downcalls.withErrno("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private Sockets() {
    }

    /** A descriptor received over a unix socket, with the bytes that came along (runc sends the pty's name). */
    public record ReceivedFd(Fd fd, byte[] payload) {
    }

    /**
     * A listening AF_VSOCK stream socket on {@code port} of any local context id. Unlike a unix listener, a vsock
     * listener cannot be woken by {@link #shutdown} (ENOTCONN): pass {@link #SOCK_NONBLOCK} and poll to stop it.
     */
    public static Fd listenVsock(int port, int backlog, int extraFlags) throws SyscallException {
        Fd socket = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | extraFlags, "socket(AF_VSOCK)");
        try (Arena arena = Arena.ofConfined()) {
            bindAndListen(socket, vsockAddress(arena, VMADDR_CID_ANY, port), backlog, "vsock port " + port);
            return socket;
        } catch (SyscallException | RuntimeException e) {
            closeAfterFailure(socket, e);
            throw e;
        }
    }

    /** A listening unix stream socket bound to {@code path} (which must not exist yet). */
    public static Fd listenUnix(Path path, int backlog, int extraFlags) throws SyscallException {
        Fd socket = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | extraFlags, "socket(AF_UNIX)");
        try (Arena arena = Arena.ofConfined()) {
            bindAndListen(socket, unixAddress(arena, path), backlog, path.toString());
            return socket;
        } catch (SyscallException | RuntimeException e) {
            closeAfterFailure(socket, e);
            throw e;
        }
    }

    /**
     * A unix stream socket connected to {@code path}.
     *
     * @throws SyscallException ENOENT or ECONNREFUSED when nobody listens there
     */
    public static Fd connectUnix(Path path, int extraFlags) throws SyscallException {
        Fd socket = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | extraFlags, "socket(AF_UNIX)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment address = unixAddress(arena, path);
            int rc;
            try {
                rc = (int) CONNECT.invokeExact(state, socket.get(), address, (int) address.byteSize());
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "connect(" + path + ")");
            return socket;
        } catch (SyscallException | RuntimeException e) {
            closeAfterFailure(socket, e);
            throw e;
        }
    }

    /**
     * An AF_VSOCK stream socket connected to {@code port} of context id {@code cid} (a guest behind vhost-vsock).
     *
     * @throws SyscallException e.g. ECONNRESET or ETIMEDOUT while the guest does not listen yet
     */
    public static Fd connectVsock(long cid, int port, int extraFlags) throws SyscallException {
        Fd socket = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | extraFlags, "socket(AF_VSOCK)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment address = vsockAddress(arena, (int) cid, port);
            int rc;
            try {
                rc = (int) CONNECT.invokeExact(state, socket.get(), address, (int) address.byteSize());
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "connect(vsock " + cid + ":" + port + ")");
            return socket;
        } catch (SyscallException | RuntimeException e) {
            closeAfterFailure(socket, e);
            throw e;
        }
    }

    /** A connected pair of unix stream sockets (socketpair(2)). */
    public static Fd[] socketPair() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc;
            try {
                rc = (int) SOCKETPAIR.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "socketpair(AF_UNIX)");
            return new Fd[] {Fd.adopt(fds.getAtIndex(JAVA_INT, 0)), Fd.adopt(fds.getAtIndex(JAVA_INT, 1))};
        }
    }

    /**
     * accept4(2) with SOCK_CLOEXEC (and {@code extraFlags}, e.g. {@link #SOCK_NONBLOCK}).
     *
     * @throws SyscallException EAGAIN on a non-blocking listener without a pending connection; EINVAL once the
     *                          listener was {@link #shutdown(int) shut down}
     */
    public static Fd accept(int listener, int extraFlags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int fd;
            try {
                fd = (int) ACCEPT4.invokeExact(state, listener, MemorySegment.NULL, MemorySegment.NULL,
                        SOCK_CLOEXEC | extraFlags);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            return Fd.adopt(Downcalls.check(fd, state, "accept4(" + listener + ")"));
        }
    }

    /**
     * shutdown(2) both directions. Unlike close(2), this wakes a thread blocked in read or recvmsg on a connected
     * socket, or in accept on a unix listener, so the owner can then close it without racing a reuse of the number.
     */
    public static void shutdown(int socket) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) SHUTDOWN.invokeExact(state, socket, SHUT_RDWR);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "shutdown(" + socket + ")");
        }
    }

    /**
     * Receives one message that carries a descriptor (recvmsg with SCM_RIGHTS); the descriptor arrives close-on-exec.
     *
     * @throws SyscallException ENOMSG if the message carried no descriptor
     */
    public static ReceivedFd receiveFd(int socket, int maxPayload) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment payload = arena.allocate(Math.max(1, maxPayload));
            MemorySegment iov = arena.allocate(IOVEC);
            iov.set(ADDRESS, 0, payload);
            iov.set(JAVA_LONG, 8, payload.byteSize());
            MemorySegment control = arena.allocate(CMSG_SPACE_ONE_FD, 8);
            MemorySegment message = arena.allocate(MSGHDR);
            message.set(ADDRESS, 16, iov);
            message.set(JAVA_LONG, 24, 1L);
            message.set(ADDRESS, 32, control);
            message.set(JAVA_LONG, 40, control.byteSize());
            long n;
            try {
                n = (long) RECVMSG.invokeExact(state, socket, message, MSG_CMSG_CLOEXEC);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(n, state, "recvmsg(" + socket + ")");
            long controlLength = message.get(JAVA_LONG, 40);
            if (controlLength < CMSG_LEN_ONE_FD || control.get(JAVA_INT, 8) != SOL_SOCKET
                    || control.get(JAVA_INT, 12) != SCM_RIGHTS) {
                throw new SyscallException("recvmsg(" + socket + "): no SCM_RIGHTS descriptor", Errno.ENOMSG.number());
            }
            Fd fd = Fd.adopt(control.get(JAVA_INT, CMSGHDR.byteSize()));
            return new ReceivedFd(fd, payload.asSlice(0, n).toArray(JAVA_BYTE));
        }
    }

    /** Sends {@code payload} with one descriptor attached (sendmsg with SCM_RIGHTS). */
    public static void sendFd(int socket, int fd, byte[] payload) throws SyscallException {
        sendFds(socket, payload.length == 0 ? new byte[1] : payload, fd);
    }

    /**
     * Sends all of {@code payload} on a stream socket, with {@code fds} (possibly none) attached to its first byte,
     * as protocols like vhost-user expect. A short send is completed without descriptors; a gone peer is EPIPE,
     * never SIGPIPE.
     */
    public static void sendFds(int socket, byte[] payload, int... fds) throws SyscallException {
        if (payload.length == 0) {
            throw new IllegalArgumentException("descriptors need at least one byte of payload to travel with");
        }
        if (fds.length > MAX_FDS_PER_MESSAGE) {
            throw new IllegalArgumentException(fds.length + " descriptors in one message; at most "
                    + MAX_FDS_PER_MESSAGE);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment data = arena.allocateFrom(JAVA_BYTE, payload);
            MemorySegment iov = arena.allocate(IOVEC);
            MemorySegment message = arena.allocate(MSGHDR);
            message.set(ADDRESS, 16, iov);
            message.set(JAVA_LONG, 24, 1L);
            if (fds.length > 0) {
                MemorySegment control = arena.allocate(cmsgSpace(fds.length), 8);
                control.set(JAVA_LONG, 0, cmsgLength(fds.length));
                control.set(JAVA_INT, 8, SOL_SOCKET);
                control.set(JAVA_INT, 12, SCM_RIGHTS);
                MemorySegment.copy(fds, 0, control, JAVA_INT, CMSGHDR.byteSize(), fds.length);
                message.set(ADDRESS, 32, control);
                message.set(JAVA_LONG, 40, control.byteSize());
            }
            long sent = 0;
            while (sent < data.byteSize()) {
                iov.set(ADDRESS, 0, data.asSlice(sent));
                iov.set(JAVA_LONG, 8, data.byteSize() - sent);
                long n;
                try {
                    n = (long) SENDMSG.invokeExact(state, socket, message, MSG_NOSIGNAL);
                } catch (Throwable t) {
                    throw Downcalls.failure(t);
                }
                sent += Downcalls.check(n, state, "sendmsg(" + socket + ")");
                message.set(ADDRESS, 32, MemorySegment.NULL);
                message.set(JAVA_LONG, 40, 0L);
            }
        }
    }

    /** CMSG_LEN(count * sizeof(int)) on x86_64. */
    static long cmsgLength(int count) {
        return CMSGHDR.byteSize() + 4L * count;
    }

    /** CMSG_SPACE(count * sizeof(int)) on x86_64: the data rounded up to 8 bytes. */
    static long cmsgSpace(int count) {
        return CMSGHDR.byteSize() + ((4L * count + 7) & ~7L);
    }

    /** socket(2) of any family and protocol (netlink sockets, for one); returns an owned descriptor. */
    public static Fd open(int domain, int type, int protocol) throws SyscallException {
        return socket(domain, type, protocol, "socket(" + domain + ", " + type + ", " + protocol + ")");
    }

    private static Fd socket(int domain, int type, String what) throws SyscallException {
        return socket(domain, type, 0, what);
    }

    private static Fd socket(int domain, int type, int protocol, String what) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int fd;
            try {
                fd = (int) SOCKET.invokeExact(state, domain, type, protocol);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            return Fd.adopt(Downcalls.check(fd, state, what));
        }
    }

    private static void bindAndListen(Fd socket, MemorySegment address, int backlog, String what)
            throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            int rc;
            try {
                rc = (int) BIND.invokeExact(state, socket.get(), address, (int) address.byteSize());
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "bind(" + what + ")");
            try {
                rc = (int) LISTEN.invokeExact(state, socket.get(), backlog);
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "listen(" + what + ")");
        }
    }

    private static MemorySegment vsockAddress(Arena arena, int cid, int port) {
        MemorySegment address = arena.allocate(SOCKADDR_VM);
        address.set(JAVA_SHORT, 0, (short) AF_VSOCK);
        address.set(JAVA_INT, 4, port);
        address.set(JAVA_INT, 8, cid);
        return address;
    }

    private static MemorySegment unixAddress(Arena arena, Path path) {
        byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_UNIX_PATH) {
            throw new IllegalArgumentException("unix socket path longer than " + MAX_UNIX_PATH + " bytes: " + path);
        }
        MemorySegment address = arena.allocate(SOCKADDR_UN);
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, address, JAVA_BYTE, 2, bytes.length);
        return address;
    }

    private static void closeAfterFailure(Fd socket, Exception failure) {
        try {
            socket.close();
        } catch (SyscallException e) {
            failure.addSuppressed(e);
        }
    }
}
