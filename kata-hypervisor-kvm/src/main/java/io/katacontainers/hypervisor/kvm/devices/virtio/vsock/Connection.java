package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.ChainCursor;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One hybrid-vsock stream: a host unix socket on one side, a guest vsock port on the other, and the credit state of
 * both directions. Guest-to-host bytes the socket cannot take at once wait in a buffer as large as the credit the
 * device grants ({@link #BUFFER_SIZE}), so a guest that respects credit never makes the device block or drop data.
 * Used by {@link Muxer} on the event loop only.
 */
final class Connection implements AutoCloseable {
    /** The receive buffer the device advertises to the guest (buf_alloc) for each connection. */
    static final int BUFFER_SIZE = 256 * 1024;
    /** Results of {@link #readFromHost} besides a byte count. */
    static final long WOULD_BLOCK = -1;
    static final long END_OF_STREAM = -2;
    static final long FAILED = -3;

    enum State { AWAITING_CONNECT, CONNECTING, ESTABLISHED, CLOSING }

    final Fd socket;
    State state = State.AWAITING_CONNECT;
    int localPort;
    int peerPort;
    EventLoop.Registration registration;
    EventLoop.Timer timer;
    final StringBuilder requestLine = new StringBuilder();

    /** Host-to-guest credit: what the guest told us and what we sent. */
    int peerBufAlloc;
    int peerFwdCnt;
    int txCnt;
    boolean creditRequested;
    /** Guest-to-host: bytes delivered to the socket, and the count the guest last heard. */
    int fwdCnt;
    int lastFwdCntSent;
    boolean creditUpdateQueued;

    /** The socket has data or hung up; the device reads it when the guest has buffers and credit. */
    boolean readable;
    boolean hungUp;
    /** The guest shut down its sending side: close once pending bytes reached the host. */
    boolean closeAfterFlush;
    /** The guest will receive nothing more. */
    boolean guestStoppedReceiving;

    /** Confined to the event loop, which creates, uses and closes every connection (cheaper to close than shared). */
    private final Arena arena = Arena.ofConfined();
    private MemorySegment pending;
    private long pendingLength;

    Connection(Fd socket) {
        this.socket = socket;
    }

    /** Bytes the guest can still take: its buffer minus what is in flight. */
    long peerCredit() {
        long inFlight = Integer.toUnsignedLong(txCnt - peerFwdCnt);
        return Math.max(0, Integer.toUnsignedLong(peerBufAlloc) - inFlight);
    }

    long pendingLength() {
        return pendingLength;
    }

    /**
     * Moves {@code length} payload bytes from the guest's buffers to the host socket, keeping what the socket does not
     * take now.
     *
     * @return false if the socket failed (the connection must be reset)
     */
    boolean sendToHost(ChainCursor payload, long length) {
        long left = length;
        try {
            while (left > 0 && pendingLength == 0) {
                MemorySegment chunk = payload.next(left);
                long n = write(chunk);
                fwdCnt += (int) n;
                left -= n;
                if (n < chunk.byteSize()) {
                    payload.unread(chunk.byteSize() - n);
                    break;
                }
            }
        } catch (SyscallException e) {
            return false;
        }
        while (left > 0) {
            MemorySegment chunk = payload.next(left);
            if (pending == null) {
                pending = arena.allocate(BUFFER_SIZE);
            }
            MemorySegment.copy(chunk, 0, pending, pendingLength, chunk.byteSize());
            pendingLength += chunk.byteSize();
            left -= chunk.byteSize();
        }
        return true;
    }

    /** Writes buffered guest bytes to the socket; returns false if the socket failed. */
    boolean flushToHost() {
        if (pendingLength == 0) {
            return true;
        }
        try {
            long n = write(pending.asSlice(0, pendingLength));
            MemorySegment.copy(pending, n, pending, 0, pendingLength - n);
            pendingLength -= n;
            fwdCnt += (int) n;
            return true;
        } catch (SyscallException e) {
            return false;
        }
    }

    private long write(MemorySegment data) throws SyscallException {
        try {
            return Libc.write(socket.get(), data);
        } catch (SyscallException e) {
            if (e.is(Errno.EAGAIN)) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * Reads up to {@code max} bytes from the socket into the guest's buffers.
     *
     * @return the byte count, or {@link #WOULD_BLOCK}, {@link #END_OF_STREAM} or {@link #FAILED} when nothing came
     */
    long readFromHost(ChainCursor target, long max) {
        long total = 0;
        while (total < max) {
            MemorySegment chunk = target.next(max - total);
            if (chunk.byteSize() == 0) {
                break;
            }
            long n;
            try {
                n = Libc.read(socket.get(), chunk);
            } catch (SyscallException e) {
                return total > 0 ? total : e.is(Errno.EAGAIN) ? WOULD_BLOCK : FAILED;
            }
            if (n == 0) {
                return total > 0 ? total : END_OF_STREAM;
            }
            total += n;
            if (n < chunk.byteSize()) {
                break;
            }
        }
        return total;
    }

    @Override
    public void close() throws SyscallException {
        if (timer != null) {
            timer.cancel();
        }
        try (socket; arena) {
            if (registration != null) {
                registration.close();
            }
        }
    }

    @Override
    public String toString() {
        return "host port " + Integer.toUnsignedString(localPort) + " <-> guest port "
                + Integer.toUnsignedString(peerPort);
    }
}
