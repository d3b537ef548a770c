package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import io.katacontainers.ffm.libc.Epoll;
import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.ChainCursor;
import io.katacontainers.hypervisor.kvm.devices.virtio.DescriptorChain;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestErrorLog;
import io.katacontainers.hypervisor.kvm.devices.virtio.InvalidQueueException;
import io.katacontainers.hypervisor.kvm.devices.virtio.Queue;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.LinkedHashSet;

/**
 * The vsock device at work (one per activation, on the event loop): accepts hybrid-vsock clients on the unix
 * socket, turns {@code CONNECT <port>} into a REQUEST to the guest, relays bytes both ways under credit-based flow
 * control, and answers what the guest sends on the TX queue. Packets for the guest (control packets first, then
 * data from readable connections in turn) go out whenever the guest has RX buffers.
 */
final class Muxer {
    static final int RX = 0;
    static final int TX = 1;
    static final int EVENT = 2;
    /** VIRTIO_VSOCK_EVENT_TRANSPORT_RESET: the guest drops every connection (its listeners stay). */
    static final int EVENT_TRANSPORT_RESET = 0;
    static final int HOST_CID = 2;
    /** Linux's largest packet payload (VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
    static final int MAX_PAYLOAD = 64 * 1024;
    /** From accept to the guest's RESPONSE, and from a SHUTDOWN to the guest's RST. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static final System.Logger LOG = System.getLogger(Muxer.class.getName());

    private final Activation activation;
    private final GuestErrorLog guestErrors = new GuestErrorLog(LOG);
    private final Fd listener;
    private final long guestCid;
    private final Queue rx;
    private final Queue tx;
    private final ConnectionTable connections = new ConnectionTable();
    private final LinkedHashSet<Connection> readable = new LinkedHashSet<>();
    private final ControlQueue controls;

    Muxer(Activation activation, Fd listener, long guestCid) {
        this.activation = activation;
        this.listener = listener;
        this.guestCid = guestCid;
        this.rx = activation.queues().get(RX);
        this.tx = activation.queues().get(TX);
        this.controls = new ControlQueue(guestCid, guestErrors);
    }

    void start() throws SyscallException {
        activation.onQueueNotify(RX, this::processRx);
        activation.onQueueNotify(TX, this::processTx);
        activation.watch(listener, Epoll.EPOLLIN, events -> acceptClients());
    }

    /** Closes every connection without telling the guest (the device is being reset). */
    void shutdown() {
        connections.all().forEach(this::close);
        controls.clear();
    }

    /**
     * Puts a transport-reset event in the guest's event queue, as Firecracker does after a restore: the guest then
     * drops the connections of the VM the snapshot was taken from (their host ends are gone) and keeps listening.
     *
     * @return false when the guest had no event buffer to take it
     */
    boolean sendTransportReset() throws InvalidQueueException {
        Queue events = activation.queues().get(EVENT);
        DescriptorChain chain = events.pop();
        if (chain == null) {
            return false;
        }
        ChainCursor out = chain.writable();
        byte[] event = {EVENT_TRANSPORT_RESET, 0, 0, 0};
        int written = out.write(event, 0, event.length);
        events.addUsed(chain.head(), written);
        activation.interrupt().signalUsedBuffer();
        return written == event.length;
    }

    // ---- host side ----

    private void acceptClients() {
        while (true) {
            Fd client;
            try {
                client = Sockets.accept(listener.get(), Sockets.SOCK_NONBLOCK);
            } catch (SyscallException e) {
                if (!e.is(Errno.EAGAIN)) {
                    LOG.log(Level.WARNING, "hybrid vsock: accept failed", e);
                }
                return;
            }
            Connection c = new Connection(client);
            try {
                c.registration = activation.loop().register(client, Epoll.EPOLLIN, events -> hostEvent(c, events));
            } catch (SyscallException e) {
                LOG.log(Level.WARNING, "hybrid vsock: cannot watch a new client; closing it", e);
                close(c);
                continue;
            }
            connections.addHandshake(c);
            c.timer = activation.loop().schedule(TIMEOUT, () -> timedOut(c));
        }
    }

    private void hostEvent(Connection c, int events) {
        switch (c.state) {
            case AWAITING_CONNECT -> readRequestLine(c);
            case CONNECTING -> {
                LOG.log(Level.INFO, "hybrid vsock: client of {0} left before the guest answered", c);
                reset(c);
            }
            case ESTABLISHED, CLOSING -> {
                if ((events & Epoll.EPOLLOUT) != 0) {
                    flush(c);
                }
                // A hang-up is reported in every state whatever we watch: note it so that updateInterest stops the
                // watch.
                c.hungUp |= (events & (Epoll.EPOLLHUP | Epoll.EPOLLERR)) != 0;
                boolean input = (events & Epoll.EPOLLIN) != 0 || c.hungUp;
                if (input && c.state == Connection.State.ESTABLISHED) {
                    c.readable = true;
                    readable.add(c);
                }
                updateInterest(c);
                processRx();
            }
        }
    }

    private void readRequestLine(Connection c) {
        switch (HybridHandshake.readRequestLine(c)) {
            case HybridHandshake.Outcome.Line(String line) -> connect(c, line);
            case HybridHandshake.Outcome.Pending() -> {
                // The rest comes with the next EPOLLIN.
            }
            case HybridHandshake.Outcome.Closed() -> {
                LOG.log(Level.INFO, "hybrid vsock: client closed before sending CONNECT");
                close(c);
            }
            case HybridHandshake.Outcome.Failed(SyscallException e) -> {
                LOG.log(Level.INFO, "hybrid vsock: client read failed; closing it", e);
                close(c);
            }
            case HybridHandshake.Outcome.TooLong(String start) -> refuse(c, start + "...");
        }
    }

    private void connect(Connection c, String line) {
        Integer port = HybridHandshake.parseConnect(line);
        if (port == null) {
            refuse(c, line);
            return;
        }
        connections.addStream(c, port);
        c.state = Connection.State.CONNECTING;
        updateInterest(c);
        controls.add(c, PacketHeader.OP_REQUEST, 0);
        processRx();
    }

    private void refuse(Connection c, String line) {
        LOG.log(Level.WARNING, "hybrid vsock: closing a client that sent \"{0}\" instead of \"CONNECT <port>\"",
                line.replaceAll("\\p{Cntrl}", "?"));
        close(c);
    }

    private void establish(Connection c) {
        try {
            HybridHandshake.answerOk(c);
        } catch (SyscallException e) {
            LOG.log(Level.INFO, "hybrid vsock: cannot answer the client of " + c + "; resetting", e);
            reset(c);
            return;
        }
        c.state = Connection.State.ESTABLISHED;
        if (c.timer != null) {
            c.timer.cancel();
            c.timer = null;
        }
        updateInterest(c);
    }

    private void flush(Connection c) {
        if (!c.flushToHost()) {
            LOG.log(Level.DEBUG, "hybrid vsock: host side of {0} failed; resetting", c);
            reset(c);
            return;
        }
        controls.creditUpdateIfDue(c);
        if (c.closeAfterFlush && c.pendingLength() == 0) {
            reset(c);
        }
    }

    private void updateInterest(Connection c) {
        if (!c.socket.isOpen() || c.registration == null) {
            return;
        }
        int events = switch (c.state) {
            case AWAITING_CONNECT -> Epoll.EPOLLIN;
            case CONNECTING -> 0;
            case ESTABLISHED, CLOSING -> (c.state == Connection.State.ESTABLISHED && !c.readable ? Epoll.EPOLLIN : 0)
                    | (c.pendingLength() > 0 ? Epoll.EPOLLOUT : 0);
        };
        if (c.hungUp && c.pendingLength() > 0) {
            // Both directions are down: the bytes the guest sent can no longer reach the host.
            reset(c);
            return;
        }
        try {
            if (c.hungUp) {
                // A hung-up socket reports EPOLLHUP whatever we ask for: stop watching, reads find its end.
                c.registration.close();
                c.registration = null;
            } else {
                c.registration.modify(events);
            }
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "hybrid vsock: cannot watch " + c + "; resetting", e);
            reset(c);
        }
    }

    private void timedOut(Connection c) {
        c.timer = null;
        LOG.log(Level.WARNING, "hybrid vsock: {0} timed out in state {1}", c, c.state);
        reset(c);
    }

    // ---- guest side: TX ----

    private void processTx() {
        boolean used = false;
        try {
            for (DescriptorChain chain = tx.pop(); chain != null; chain = tx.pop()) {
                handlePacket(chain.readable());
                tx.addUsed(chain.head(), 0);
                used = true;
            }
        } catch (InvalidQueueException e) {
            activation.needsReset("vsock TX queue: " + e.getMessage());
            return;
        }
        if (used) {
            activation.interrupt().signalUsedBuffer();
        }
        processRx();
    }

    private void handlePacket(ChainCursor in) {
        byte[] raw = new byte[PacketHeader.SIZE];
        if (in.read(raw, 0, raw.length) != raw.length) {
            guestErrors.warn("vsock: dropping a guest packet shorter than its header");
            return;
        }
        PacketHeader h = PacketHeader.decode(raw);
        if (h.srcCid() != guestCid || h.dstCid() != HOST_CID) {
            guestErrors.warn("vsock: dropping a packet from cid {0} to cid {1} (the guest is {2})",
                    Long.toUnsignedString(h.srcCid()), Long.toUnsignedString(h.dstCid()), guestCid);
            return;
        }
        Connection c = connections.stream(h.dstPort(), h.srcPort());
        if (h.type() != PacketHeader.TYPE_STREAM || h.payloadLength() > in.remaining()
                || h.payloadLength() > MAX_PAYLOAD) {
            guestErrors.warn("vsock: bad packet from guest port {0}: type {1}, length {2} with {3} bytes "
                    + "of buffers", Integer.toUnsignedString(h.srcPort()), h.type(), Long.toString(h.payloadLength()),
                    Long.toString(in.remaining()));
            if (c != null) {
                reset(c);
            } else {
                controls.rstUnknown(h);
            }
            return;
        }
        if (c == null) {
            if (h.op() == PacketHeader.OP_REQUEST) {
                LOG.log(Level.INFO, "vsock: the guest connects to host port {0}; only host-initiated connections "
                        + "exist", Integer.toUnsignedString(h.dstPort()));
            }
            if (h.op() != PacketHeader.OP_RST) {
                controls.rstUnknown(h);
            }
            return;
        }
        c.peerBufAlloc = h.bufAlloc();
        c.peerFwdCnt = h.fwdCnt();
        if (c.peerCredit() > 0) {
            c.creditRequested = false;
        }
        switch (h.op()) {
            case PacketHeader.OP_RESPONSE -> {
                if (c.state == Connection.State.CONNECTING) {
                    establish(c);
                } else {
                    reset(c);
                }
            }
            case PacketHeader.OP_RW -> {
                boolean open = c.state == Connection.State.ESTABLISHED || c.state == Connection.State.CLOSING;
                if (!open || c.closeAfterFlush) {
                    reset(c);
                } else if (c.pendingLength() + h.payloadLength() > Connection.BUFFER_SIZE) {
                    guestErrors.warn("vsock: the guest sent beyond its credit on {0}; resetting", c);
                    reset(c);
                } else if (!c.sendToHost(in, h.payloadLength())) {
                    reset(c);
                } else {
                    controls.creditUpdateIfDue(c);
                    updateInterest(c);
                }
            }
            case PacketHeader.OP_CREDIT_UPDATE -> {
                // The credit fields were all it carried.
            }
            case PacketHeader.OP_CREDIT_REQUEST -> controls.creditUpdate(c);
            case PacketHeader.OP_SHUTDOWN -> {
                c.guestStoppedReceiving |= (h.flags() & PacketHeader.SHUTDOWN_RCV) != 0;
                if ((h.flags() & PacketHeader.SHUTDOWN_SEND) != 0) {
                    c.closeAfterFlush = true;
                    if (c.pendingLength() == 0) {
                        reset(c);
                    }
                }
            }
            case PacketHeader.OP_RST -> close(c);
            default -> reset(c);
        }
    }

    // ---- guest side: RX ----

    private void processRx() {
        boolean used = false;
        try {
            while (!controls.isEmpty() || hasReadable()) {
                DescriptorChain chain = rx.pop();
                if (chain == null) {
                    break;
                }
                ChainCursor out = chain.writable();
                long room = out.remaining();
                if (room < PacketHeader.SIZE || (room == PacketHeader.SIZE && controls.isEmpty())) {
                    guestErrors.warn("vsock: an RX buffer of {0} bytes has no room for a packet; returned empty",
                            Long.toString(room));
                    rx.addUsed(chain.head(), 0);
                    used = true;
                    continue;
                }
                if (!controls.isEmpty()) {
                    PacketHeader h = controls.poll();
                    if (h == null) {
                        rx.undoPop();
                        continue;
                    }
                    out.write(h.encode(), 0, PacketHeader.SIZE);
                    rx.addUsed(chain.head(), PacketHeader.SIZE);
                    used = true;
                    continue;
                }
                if (!sendData(chain)) {
                    rx.undoPop();
                    continue;
                }
                used = true;
            }
        } catch (InvalidQueueException e) {
            activation.needsReset("vsock RX queue: " + e.getMessage());
            return;
        }
        if (used) {
            activation.interrupt().signalUsedBuffer();
        }
    }

    private boolean hasReadable() {
        for (Connection c : readable) {
            if (canSend(c)) {
                return true;
            }
            if (c.peerCredit() == 0 && !c.creditRequested && c.state == Connection.State.ESTABLISHED) {
                c.creditRequested = true;
                controls.add(c, PacketHeader.OP_CREDIT_REQUEST, 0);
                return true;
            }
        }
        return false;
    }

    private static boolean canSend(Connection c) {
        return c.state == Connection.State.ESTABLISHED && c.peerCredit() > 0 && !c.guestStoppedReceiving;
    }

    /** Fills {@code chain} with data from the next readable connection; false if none had any (chain unused). */
    private boolean sendData(DescriptorChain chain) throws InvalidQueueException {
        Connection c = readable.stream().filter(Muxer::canSend).findFirst().orElse(null);
        if (c == null) {
            return false;
        }
        ChainCursor payload = chain.writable();
        payload.skip(PacketHeader.SIZE);
        long max = Math.min(Math.min(payload.remaining(), c.peerCredit()), MAX_PAYLOAD);
        long n = c.readFromHost(payload, max);
        if (n > 0) {
            c.txCnt += (int) n;
            c.lastFwdCntSent = c.fwdCnt;
            PacketHeader h = new PacketHeader(HOST_CID, guestCid, c.localPort, c.peerPort, (int) n,
                    PacketHeader.TYPE_STREAM, PacketHeader.OP_RW, 0, Connection.BUFFER_SIZE, c.fwdCnt);
            chain.writable().write(h.encode(), 0, PacketHeader.SIZE);
            rx.addUsed(chain.head(), PacketHeader.SIZE + n);
            readable.remove(c);
            readable.add(c);
            return true;
        }
        readable.remove(c);
        c.readable = false;
        if (n == Connection.END_OF_STREAM || c.hungUp) {
            c.state = Connection.State.CLOSING;
            controls.add(c, PacketHeader.OP_SHUTDOWN, PacketHeader.SHUTDOWN_RCV | PacketHeader.SHUTDOWN_SEND);
            c.timer = activation.loop().schedule(TIMEOUT, () -> timedOut(c));
        } else if (n == Connection.FAILED) {
            reset(c);
        }
        updateInterest(c);
        return false;
    }

    // ---- ending connections ----

    /** Tells the guest the connection is gone (RST) and closes it. */
    private void reset(Connection c) {
        if (c.state != Connection.State.AWAITING_CONNECT) {
            controls.add(c, PacketHeader.OP_RST, 0);
        }
        close(c);
    }

    private void close(Connection c) {
        connections.remove(c);
        readable.remove(c);
        try {
            c.close();
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "hybrid vsock: closing " + c + " failed", e);
        }
    }
}
