package io.katacontainers.hypervisor.kvm.devices.virtio.net;

import io.katacontainers.ffm.libc.Epoll;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.TunTap;
import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.ChainCursor;
import io.katacontainers.hypervisor.kvm.devices.virtio.DescriptorChain;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestErrorLog;
import io.katacontainers.hypervisor.kvm.devices.virtio.InvalidQueueException;
import io.katacontainers.hypervisor.kvm.devices.virtio.Queue;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The net device at work (one per activation, on the event loop). TX: each chain's readable buffers are one frame
 * (header first), checked and written to the tap in one write. RX: while the guest has RX chains and the tap has
 * frames, one frame per chain; when the guest has none, the tap is no longer watched (the kernel queues, then drops,
 * as a full NIC ring would) until the guest notifies the RX queue. Each wake-up moves at most {@link #BATCH} frames
 * each way, so a flood cannot starve the other devices on the loop.
 */
final class NetQueues {
    static final int RX = 0;
    static final int TX = 1;
    /** virtio_net_hdr_v1: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
    static final int HEADER_SIZE = 12;
    /** An Ethernet header with one VLAN tag: what a frame may carry beyond the MTU. */
    static final int VLAN_ETHERNET = 14 + 4;
    /** The largest Ethernet frame: the u16 MTU's payload, the Ethernet header and one VLAN tag. */
    static final int MAX_ETHERNET = NetDevice.MAX_MTU + VLAN_ETHERNET;
    /** Header plus the largest frame, rounded up: the staging buffer's size. */
    static final int MAX_FRAME = (HEADER_SIZE + MAX_ETHERNET + 63) & ~63;
    /** Smallest frame: an Ethernet header. */
    static final int MIN_ETHERNET = 14;
    static final int BATCH = 256;

    private static final System.Logger LOG = System.getLogger(NetQueues.class.getName());

    private final Activation activation;
    private final Fd tap;
    private final TunTap.FrameIo io;
    private final MemorySegment staging;
    private final int mtu;
    private final NetStats stats;
    private final Queue rx;
    private final Queue tx;
    private final GuestErrorLog guestErrors = new GuestErrorLog(LOG);
    private final GuestErrorLog hostErrors = new GuestErrorLog(LOG);
    private EventLoop.Registration tapWatch;
    private boolean stopped;

    NetQueues(Activation activation, Fd tap, TunTap.FrameIo io, MemorySegment staging, int mtu, NetStats stats) {
        this.activation = activation;
        this.tap = tap;
        this.io = io;
        this.staging = staging;
        this.mtu = mtu;
        this.stats = stats;
        this.rx = activation.queues().get(RX);
        this.tx = activation.queues().get(TX);
    }

    void start() throws SyscallException {
        activation.onQueueNotify(RX, () -> guarded(this::rxNotified));
        activation.onQueueNotify(TX, () -> guarded(this::processTx));
        tapWatch = activation.watch(tap, Epoll.EPOLLIN, events -> guarded(() -> tapEvent(events)));
    }

    /** The device was reset: the transport ended the watches; work handed to the loop before must not run. */
    void stop() {
        stopped = true;
        tapWatch = null;
    }

    /** A bug in here must not wedge the loop or escape as an exception: the device asks to be reset. */
    private void guarded(Runnable work) {
        if (stopped) {
            return;
        }
        try {
            work.run();
        } catch (RuntimeException e) {
            stats.internalErrors++;
            LOG.log(Level.ERROR, "virtio-net: internal error; the device needs reset", e);
            activation.needsReset("internal error: " + e);
        }
    }

    // ---- TX: guest to tap ----

    private void processTx() {
        boolean used = false;
        try {
            int budget = BATCH;
            // While the device works through the queue, the driver need not notify (each notification is an exit).
            tx.setNotifications(false);
            while (true) {
                DescriptorChain chain = budget > 0 ? tx.pop() : null;
                if (chain != null) {
                    transmit(chain.readable());
                    tx.addUsed(chain.head(), 0);
                    used = true;
                    budget--;
                    continue;
                }
                tx.setNotifications(true);
                if (!tx.hasAvailable()) {
                    break;
                }
                if (budget == 0) {
                    // More than one batch: come back after the other devices had their turn.
                    activation.loop().execute(() -> guarded(this::processTx));
                    break;
                }
                tx.setNotifications(false);
            }
            if (used && tx.wantsInterrupt()) {
                activation.interrupt().signalUsedBuffer();
            }
        } catch (InvalidQueueException e) {
            activation.needsReset("virtio-net TX queue: " + e.getMessage());
        }
    }

    /** Checks one frame from the guest and writes it to the tap; a bad frame is dropped. */
    private void transmit(ChainCursor frame) {
        long length = frame.remaining();
        // The driver may not send more than the MTU it was given plus the Ethernet header (and a VLAN tag).
        int max = HEADER_SIZE + mtu + VLAN_ETHERNET;
        if (length < HEADER_SIZE + MIN_ETHERNET || length > max) {
            stats.txDropped++;
            guestErrors.warn("virtio-net: dropping a TX frame of {0} bytes (header included); it must be {1} to {2}",
                    Long.toString(length), HEADER_SIZE + MIN_ETHERNET, max);
            return;
        }
        int n = (int) length;
        long copied = 0;
        for (MemorySegment s = frame.next(n); s.byteSize() > 0; s = frame.next(n - copied)) {
            MemorySegment.copy(s, 0, staging, copied, s.byteSize());
            copied += s.byteSize();
        }
        // Nothing was negotiated that lets the guest hand over a partial checksum or a segmentation job.
        byte flags = staging.get(ValueLayout.JAVA_BYTE, 0);
        byte gsoType = staging.get(ValueLayout.JAVA_BYTE, 1);
        if (flags != 0 || gsoType != 0) {
            stats.txDropped++;
            guestErrors.warn("virtio-net: dropping a TX frame with header flags {0} and gso_type {1}, offloads that "
                    + "were not negotiated", flags, gsoType);
            return;
        }
        try {
            long written = io.write(tap.get(), staging.asSlice(0, n));
            if (written == TunTap.FrameIo.WOULD_BLOCK) {
                // A full tap drops the frame, as a NIC would; the guest's TCP retransmits.
                stats.txDropped++;
                return;
            }
            if (written != n) {
                stats.txDropped++;
                hostErrors.warn("virtio-net: the tap took {0} of {1} bytes of a frame", Long.toString(written), n);
                return;
            }
            stats.txFrames++;
        } catch (SyscallException e) {
            // A downed tap drops the frame too.
            stats.txDropped++;
            hostErrors.warn("virtio-net: the tap refused a frame of {0} bytes: {1}", n, e.getMessage());
        }
    }

    // ---- RX: tap to guest ----

    private void tapEvent(int events) {
        stats.tapWakeups++;
        if ((events & (Epoll.EPOLLERR | Epoll.EPOLLHUP)) != 0 && (events & Epoll.EPOLLIN) == 0) {
            stopWatchingTap("the tap reported an error or hang-up (events 0x" + Integer.toHexString(events) + ")");
            return;
        }
        processRx();
    }

    private void rxNotified() {
        if (tapWatch == null) {
            return;
        }
        try {
            tapWatch.modify(Epoll.EPOLLIN);
        } catch (SyscallException e) {
            activation.needsReset("virtio-net: cannot watch the tap: " + e.getMessage());
            return;
        }
        processRx();
    }

    /** Moves frames from the tap into RX chains while both have some, up to one batch. */
    private void processRx() {
        boolean used = false;
        try {
            for (int n = 0; n < BATCH; n++) {
                DescriptorChain chain = rx.pop();
                if (chain == null) {
                    // Backpressure: frames stay in the tap's queue until the guest gives buffers and notifies.
                    pauseTap();
                    break;
                }
                long length = readFrame();
                if (length < 0) {
                    rx.undoPop();
                    break;
                }
                used |= deliver(chain, (int) length);
            }
            if (used && rx.wantsInterrupt()) {
                activation.interrupt().signalUsedBuffer();
            }
        } catch (InvalidQueueException e) {
            activation.needsReset("virtio-net RX queue: " + e.getMessage());
        }
    }

    /** One frame from the tap into the staging buffer: its length, or -1 when there is none (or the tap failed). */
    private long readFrame() {
        if (tapWatch == null) {
            return -1;
        }
        try {
            long n = io.read(tap.get(), staging);
            if (n == TunTap.FrameIo.WOULD_BLOCK) {
                return -1;
            }
            if (n == 0) {
                stopWatchingTap("the tap reported end of file");
                return -1;
            }
            return n;
        } catch (SyscallException e) {
            stopWatchingTap("reading the tap failed: " + e.getMessage());
            return -1;
        }
    }

    /** Copies the staged frame into {@code chain}; returns true (the chain was used either way). */
    private boolean deliver(DescriptorChain chain, int length) throws InvalidQueueException {
        ChainCursor out = chain.writable();
        byte flags = staging.get(ValueLayout.JAVA_BYTE, 0);
        byte gsoType = staging.get(ValueLayout.JAVA_BYTE, 1);
        if (length < HEADER_SIZE + MIN_ETHERNET || length > HEADER_SIZE + MAX_ETHERNET
                || (flags != 0 && flags != 2) || gsoType != 0) {
            // The tap hands over offloads only if someone else enabled them on it; the guest cannot take them.
            stats.rxDropped++;
            hostErrors.warn("virtio-net: dropping a frame of {0} bytes from the tap with flags {1} and gso_type {2}",
                    length, flags, gsoType);
            rx.undoPop();
            return false;
        }
        if (out.remaining() < length) {
            stats.rxDropped++;
            guestErrors.warn("virtio-net: an RX buffer of {0} bytes cannot hold a frame of {1} (MTU {2}); the frame "
                    + "is dropped and the buffer returned empty", Long.toString(out.remaining()), length, mtu);
            rx.addUsed(chain.head(), 0);
            return true;
        }
        // Without VIRTIO_NET_F_GUEST_CSUM the flags must be 0 (DATA_VALID means nothing to the guest), and without
        // VIRTIO_NET_F_MRG_RXBUF num_buffers is 1; the tap writes neither (it leaves num_buffers as it was).
        staging.set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
        staging.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 10, (short) 1);
        long copied = 0;
        for (MemorySegment s = out.next(length); s.byteSize() > 0; s = out.next(length - copied)) {
            MemorySegment.copy(staging, copied, s, 0, s.byteSize());
            copied += s.byteSize();
        }
        rx.addUsed(chain.head(), length);
        stats.rxFrames++;
        return true;
    }

    private void pauseTap() {
        try {
            if (tapWatch != null && tapWatch.events() != 0) {
                tapWatch.modify(0);
                stats.rxPauses++;
            }
        } catch (SyscallException e) {
            activation.needsReset("virtio-net: cannot stop watching the tap: " + e.getMessage());
        }
    }

    private void stopWatchingTap(String reason) {
        LOG.log(Level.WARNING, "virtio-net: {0}; the guest receives no more frames", reason);
        if (tapWatch != null) {
            try {
                tapWatch.close();
            } catch (SyscallException e) {
                LOG.log(Level.WARNING, "virtio-net: cannot stop watching the tap", e);
            }
            tapWatch = null;
        }
    }
}
