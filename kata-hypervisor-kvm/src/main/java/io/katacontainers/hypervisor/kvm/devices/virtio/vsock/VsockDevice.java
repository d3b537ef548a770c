package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.InvalidQueueException;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * virtio-vsock (device id 19) in user space with a hybrid-vsock unix socket on the host, as Firecracker, Cloud
 * Hypervisor and Dragonball offer it: a host client connects to {@link #socketPath()}, writes
 * {@code CONNECT <port>\n}, gets {@code OK <host port>\n} once the guest accepted, and then talks to the guest's
 * listener on that port (the Kata agent listens on 1024). Queues: RX, TX and the event queue (used once after a restore
 * from a snapshot: {@link #sendTransportReset}). Guest-initiated connections are refused with RST.
 */
public final class VsockDevice implements VirtioDevice {
    /** The guest context id Kata uses. */
    public static final long DEFAULT_GUEST_CID = 3;
    static final int QUEUE_SIZE = 256;

    private final Path socketPath;
    private final Fd listener;
    private final long guestCid;
    private Muxer muxer;

    private VsockDevice(Path socketPath, Fd listener, long guestCid) {
        this.socketPath = socketPath;
        this.listener = listener;
        this.guestCid = guestCid;
    }

    /**
     * Creates the device and its listening socket at {@code socketPath} (which must not exist). Clients may connect
     * at once; they are served when the guest driver has started the device.
     */
    public static VsockDevice open(Path socketPath, long guestCid) throws IOException {
        if (guestCid <= 2 || guestCid >= 0xffff_ffffL) {
            throw new IllegalArgumentException("guest cid must be above 2 and below 2^32-1: " + guestCid);
        }
        return new VsockDevice(socketPath, Sockets.listenUnix(socketPath, 128, Sockets.SOCK_NONBLOCK), guestCid);
    }

    /** The hybrid-vsock unix socket. */
    public Path socketPath() {
        return socketPath;
    }

    @Override
    public int deviceType() {
        return Virtio.ID_VSOCK;
    }

    @Override
    public long features() {
        return Virtio.F_VERSION_1;
    }

    @Override
    public int queueCount() {
        return 3;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public byte[] config() {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, guestCid).array();
    }

    @Override
    public void activate(Activation activation) throws IOException {
        Muxer next = new Muxer(activation, listener, guestCid);
        next.start();
        muxer = next;
    }

    @Override
    public void reset() {
        if (muxer != null) {
            muxer.shutdown();
            muxer = null;
        }
    }

    /**
     * Tells the guest that every vsock connection is gone (VIRTIO_VSOCK_EVENT_TRANSPORT_RESET), for a VM restored
     * from a snapshot: the host ends of the snapshot's connections do not exist in this process. Run it on the
     * device's event loop, after the transport took back the snapshot's state.
     *
     * @throws IOException when the device is not started or the guest gave no event buffer
     */
    public void sendTransportReset() throws IOException {
        if (muxer == null) {
            throw new IOException("the vsock device is not started; nothing to reset");
        }
        boolean sent;
        try {
            sent = muxer.sendTransportReset();
        } catch (InvalidQueueException e) {
            throw new IOException("the vsock event queue is broken: " + e.getMessage(), e);
        }
        if (!sent) {
            throw new IOException("the guest gave the vsock event queue no buffer for the transport reset");
        }
    }

    /** Closes the listening socket and removes its file. */
    @Override
    public void close() throws IOException {
        try (listener) {
            Files.deleteIfExists(socketPath);
        }
    }
}
