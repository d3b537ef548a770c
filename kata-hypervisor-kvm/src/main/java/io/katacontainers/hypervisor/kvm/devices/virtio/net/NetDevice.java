package io.katacontainers.hypervisor.kvm.devices.virtio.net;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.TunTap;
import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * virtio-net (device id 1) on a tap: one RX and one TX queue, no control queue. Every frame on the tap and in the
 * queues starts with the 12-byte {@code virtio_net_hdr_v1}; the tap is told that size (TUNSETVNETHDRSZ) and to hand
 * over no offloads (TUNSETOFFLOAD 0), so every frame the guest gets is checksummed and at most one MTU, as virtio
 * requires when the driver negotiated no offload; the guest may not ask for one either. Features: VERSION_1, MAC,
 * MTU and indirect descriptors. The device works on a duplicate of the tap descriptor, so the runtime keeps its own.
 */
public final class NetDevice implements VirtioDevice {
    /** VIRTIO_NET_F_MTU: the configuration's mtu field is the device's maximum MTU. */
    static final long F_MTU = 1L << 3;
    /** VIRTIO_NET_F_MAC: the configuration's mac field is the guest's address. */
    static final long F_MAC = 1L << 5;
    static final int QUEUE_SIZE = 256;
    /** mac[6], status (u16, without VIRTIO_NET_F_STATUS unused), max_virtqueue_pairs (u16), mtu (u16). */
    static final int CONFIG_SIZE = 12;
    /** The largest MTU the config's u16 can hold. */
    static final int MAX_MTU = 65535;

    private static final Pattern MAC = Pattern.compile("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}");

    private final Fd tap;
    private final byte[] mac;
    private final int mtu;
    private final Arena arena;
    private final MemorySegment staging;
    private final NetStats stats = new NetStats();
    private final TunTap.FrameIo io = new TunTap.FrameIo();
    private NetQueues active;

    private NetDevice(Fd tap, byte[] mac, int mtu) {
        this.tap = tap;
        this.mac = mac;
        this.mtu = mtu;
        this.arena = Arena.ofShared();
        this.staging = arena.allocate(NetQueues.MAX_FRAME, 64);
    }

    /**
     * A device on the tap {@code tapFd} (opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR), which stays the caller's:
     * the device duplicates it, sets the header size and offloads on it, and makes the duplicate non-blocking.
     *
     * @throws IOException when the descriptor is not such a tap
     */
    public static NetDevice open(int tapFd, String mac, int mtu) throws IOException {
        byte[] address = parseMac(mac);
        checkMtu(mtu);
        Fd tap = TunTap.duplicate(tapFd);
        try {
            int flags = TunTap.flags(tap.get());
            int wanted = TunTap.IFF_TAP | TunTap.IFF_NO_PI | TunTap.IFF_VNET_HDR;
            if ((flags & wanted) != wanted) {
                throw new IOException("tap descriptor " + tapFd + " has flags 0x" + Integer.toHexString(flags)
                        + "; the built-in VMM's virtio-net needs IFF_TAP | IFF_NO_PI | IFF_VNET_HDR (0x"
                        + Integer.toHexString(wanted) + ")");
            }
            TunTap.setVnetHeaderSize(tap.get(), NetQueues.HEADER_SIZE);
            TunTap.setOffload(tap.get(), 0);
            Pipes.setNonBlocking(tap.get());
            return new NetDevice(tap, address, mtu);
        } catch (IOException | RuntimeException e) {
            try (tap) {
                throw e;
            }
        }
    }

    /**
     * A device on any descriptor that carries one frame (header included) per read and write, such as a
     * SOCK_SEQPACKET socket: for tests, where a tap cannot be had. The device takes {@code frames} over.
     */
    static NetDevice onFrameDescriptor(Fd frames, String mac, int mtu) throws SyscallException {
        byte[] address = parseMac(mac);
        checkMtu(mtu);
        Pipes.setNonBlocking(frames.get());
        return new NetDevice(frames, address, mtu);
    }

    private static byte[] parseMac(String mac) {
        if (!MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("not a MAC address: " + mac);
        }
        return HexFormat.ofDelimiter(":").parseHex(mac);
    }

    private static void checkMtu(int mtu) {
        if (mtu < 68 || mtu > MAX_MTU) {
            throw new IllegalArgumentException("MTU must be 68 to " + MAX_MTU + ", not " + mtu);
        }
    }

    @Override
    public int deviceType() {
        return Virtio.ID_NET;
    }

    @Override
    public long features() {
        return Virtio.F_VERSION_1 | Virtio.F_RING_INDIRECT_DESC | F_MAC | F_MTU;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public byte[] config() {
        ByteBuffer config = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        config.put(0, mac);
        config.putShort(10, (short) mtu);
        return config.array();
    }

    /** The frame counters; read them on the device event loop. */
    NetStats stats() {
        return stats;
    }

    @Override
    public void activate(Activation activation) throws IOException {
        NetQueues next = new NetQueues(activation, tap, io, staging, mtu, stats);
        next.start();
        active = next;
    }

    @Override
    public void reset() {
        if (active != null) {
            active.stop();
            active = null;
        }
    }

    @Override
    public void close() throws IOException {
        try (tap; io) {
            arena.close();
        }
    }
}
