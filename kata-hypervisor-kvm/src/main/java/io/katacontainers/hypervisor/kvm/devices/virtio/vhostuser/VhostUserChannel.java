package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The front end's end of the vhost-user socket: sends messages with descriptors attached, and reads replies with
 * a deadline so that a stuck back end fails the call instead of hanging the VMM.
 */
final class VhostUserChannel implements AutoCloseable {
    private static final Duration RETRY = Duration.ofMillis(10);

    private final Path path;
    private final Fd socket;

    private VhostUserChannel(Path path, Fd socket) {
        this.path = path;
        this.socket = socket;
    }

    /**
     * Connects, retrying while the socket exists but nobody listens yet (a daemon between bind and listen)
     * until {@code patience} has passed. A bounded retry because there is no event to wait on: the daemon's
     * socket file appears at bind(2) (its creation is awaited, see ChildProcess.awaitPath), but nothing signals
     * the listen(2) that follows.
     */
    static VhostUserChannel connect(Path path, Duration patience) throws VhostUserException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return new VhostUserChannel(path, Sockets.connectUnix(path, 0));
            } catch (SyscallException e) {
                if (!e.is(Errno.ECONNREFUSED) || System.nanoTime() - deadline > 0) {
                    throw new VhostUserException("cannot connect to the vhost-user back end at " + path + ": "
                            + e.getMessage() + "; is its daemon running?", e);
                }
            }
            try {
                Thread.sleep(RETRY);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VhostUserException("interrupted while connecting to " + path, e);
            }
        }
    }

    Path path() {
        return path;
    }

    /** The socket, for watching it for hang-ups; the channel keeps owning it. */
    Fd socket() {
        return socket;
    }

    void send(VhostUserMessage message, int... fds) throws VhostUserException {
        try {
            Sockets.sendFds(socket.get(), message.encode(), fds);
        } catch (SyscallException e) {
            throw new VhostUserException("sending " + describe(message.request()) + " to the vhost-user back end at "
                    + path + " failed: " + e.getMessage() + " (the back end has probably exited)", e);
        }
    }

    /** Reads the reply to {@code expected} and returns its payload. */
    byte[] receiveReply(VhostUserRequest expected, Duration timeout) throws VhostUserException {
        long deadline = System.nanoTime() + timeout.toNanos();
        VhostUserMessage.Header header =
                VhostUserMessage.Header.decode(readFully(VhostUserMessage.HEADER_SIZE, expected, deadline, timeout));
        String problem = header.replyProblem(expected);
        if (problem != null) {
            throw new VhostUserException("the vhost-user back end at " + path + " answered " + expected
                    + " with " + problem + "; the session is out of step and must be restarted");
        }
        return readFully(header.size(), expected, deadline, timeout);
    }

    private byte[] readFully(int length, VhostUserRequest expected, long deadline, Duration timeout)
            throws VhostUserException {
        byte[] bytes = new byte[length];
        int done = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, length));
            while (done < length) {
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMillis <= 0) {
                    throw new VhostUserException("the vhost-user back end at " + path + " did not answer "
                            + expected + " within " + timeout.toMillis() + " ms");
                }
                if (Poll.poll(socket.get(), Poll.POLLIN, (int) Math.min(leftMillis, Integer.MAX_VALUE)) == 0) {
                    continue;
                }
                long n = Libc.read(socket.get(), buffer.asSlice(done, length - done));
                if (n == 0) {
                    throw new VhostUserException("the vhost-user back end at " + path
                            + " closed the connection while we waited for its reply to " + expected
                            + " (it exits on protocol errors: see its log)");
                }
                done += (int) n;
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, bytes, 0, length);
            return bytes;
        } catch (SyscallException e) {
            throw new VhostUserException("reading the reply to " + expected + " from the vhost-user back end at "
                    + path + " failed: " + e.getMessage(), e);
        }
    }

    private static String describe(int request) {
        for (VhostUserRequest known : VhostUserRequest.values()) {
            if (known.code() == request) {
                return known.name();
            }
        }
        return "request " + request;
    }

    /** Shuts the socket down (the back end sees end of file and exits) and closes it. */
    @Override
    public void close() throws VhostUserException {
        try (socket) {
            if (socket.isOpen()) {
                Sockets.shutdown(socket.get());
            }
        } catch (SyscallException e) {
            if (e.is(Errno.ENOTCONN)) {
                return;
            }
            throw new VhostUserException("closing the vhost-user socket " + path + " failed: " + e.getMessage(), e);
        }
    }
}
