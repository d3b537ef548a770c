package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import io.katacontainers.hypervisor.kvm.devices.virtio.GuestErrorLog;

import java.util.ArrayDeque;

/**
 * The control packets waiting for the guest's RX buffers (Firecracker's muxer RX queue): REQUEST, SHUTDOWN, RST
 * and credit packets for known connections, whose credit fields are filled in when sent, and ready-made RSTs for
 * packets that named no connection. They go out before any data. Used by {@link Muxer} on the event loop only.
 */
final class ControlQueue {
    /** Control packets waiting for RX buffers; beyond this, RSTs for unknown connections are dropped. */
    static final int MAX_CONTROL = 4096;

    /** A control packet to send: for a connection (credit fields filled in when sent), or a ready-made RST. */
    private record Control(Connection connection, int op, int flags, PacketHeader raw) {
    }

    private final ArrayDeque<Control> controls = new ArrayDeque<>();
    private final long guestCid;
    private final GuestErrorLog guestErrors;

    ControlQueue(long guestCid, GuestErrorLog guestErrors) {
        this.guestCid = guestCid;
        this.guestErrors = guestErrors;
    }

    boolean isEmpty() {
        return controls.isEmpty();
    }

    void clear() {
        controls.clear();
    }

    /** Queues a packet of {@code op} for {@code c}. */
    void add(Connection c, int op, int flags) {
        controls.add(new Control(c, op, flags, null));
    }

    /** Queues an RST answering {@code h}, a packet for no known connection, unless the guest floods them. */
    void rstUnknown(PacketHeader h) {
        if (controls.size() >= MAX_CONTROL) {
            guestErrors.warn("vsock: the guest floods packets for unknown connections; dropping an RST");
            return;
        }
        controls.add(new Control(null, PacketHeader.OP_RST, 0, new PacketHeader(Muxer.HOST_CID, guestCid,
                h.dstPort(), h.srcPort(), 0, PacketHeader.TYPE_STREAM, PacketHeader.OP_RST, 0, 0, 0)));
    }

    /** Tells the guest about freed buffer space once a quarter of the buffer has been forwarded since it last heard. */
    void creditUpdateIfDue(Connection c) {
        if (c.fwdCnt - c.lastFwdCntSent >= Connection.BUFFER_SIZE / 4) {
            creditUpdate(c);
        }
    }

    /** Queues a CREDIT_UPDATE for {@code c} unless one is already waiting. */
    void creditUpdate(Connection c) {
        if (!c.creditUpdateQueued) {
            c.creditUpdateQueued = true;
            add(c, PacketHeader.OP_CREDIT_UPDATE, 0);
        }
    }

    /**
     * Takes the next packet off the queue (which must not be empty) and returns its header, or null if its
     * connection has gone meanwhile (the packet is dropped).
     */
    PacketHeader poll() {
        Control control = controls.poll();
        if (control.raw() != null) {
            return control.raw();
        }
        Connection c = control.connection();
        if (!c.socket.isOpen() && control.op() != PacketHeader.OP_RST) {
            return null;
        }
        if (control.op() == PacketHeader.OP_CREDIT_UPDATE) {
            c.creditUpdateQueued = false;
        }
        c.lastFwdCntSent = c.fwdCnt;
        return new PacketHeader(Muxer.HOST_CID, guestCid, c.localPort, c.peerPort, 0, PacketHeader.TYPE_STREAM,
                control.op(), control.flags(), Connection.BUFFER_SIZE, c.fwdCnt);
    }
}
