package io.katacontainers.hypervisor.kvm.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.TunTap;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * virtio-net on a real tap in a network namespace the test creates: the test plays the guest driver through the
 * transport, the namespace's side of the tap is 10.77.0.1 with a UDP socket, the "guest" is 10.77.0.2 (a permanent
 * neighbour entry, so no ARP). Frames go both ways byte-exact, the header passes through as virtio wants it, and
 * RX waits for guest buffers without losing frames or spinning.
 */
class NetDeviceTest {
    static final String TAP_MAC = "02:00:00:77:00:01";
    static final String GUEST_MAC = "02:00:00:77:00:02";
    static final byte[] HOST_IP = Frames.ip(10, 77, 0, 1);
    static final byte[] GUEST_IP = Frames.ip(10, 77, 0, 2);
    static final int HOST_PORT = 7777;
    static final int GUEST_PORT = 9999;
    static final int HEADER = NetQueues.HEADER_SIZE;

    private TestNetns netns;
    private Fd tap;
    private GuestMemory memory;
    private EventLoop loop;
    private MmioTransport transport;
    private NetDevice device;
    private GuestDriver driver;
    private DatagramChannel hostSocket;

    @BeforeEach
    void setUp() throws Exception {
        netns = TestNetns.create("dev");
        // No IPv6: router solicitations and neighbour discovery would be frames the tests do not expect.
        netns.exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        tap = netns.inside(() -> TunTap.open("vnt0", TunTap.IFF_TAP | TunTap.IFF_NO_PI | TunTap.IFF_VNET_HDR));
        netns.exec("ip", "link", "set", "vnt0", "address", TAP_MAC, "up");
        netns.exec("ip", "addr", "add", "10.77.0.1/24", "dev", "vnt0");
        netns.exec("ip", "neigh", "replace", "10.77.0.2", "lladdr", GUEST_MAC, "dev", "vnt0", "nud", "permanent");
        hostSocket = netns.inside(() -> DatagramChannel.open(StandardProtocolFamily.INET)
                .bind(new InetSocketAddress("10.77.0.1", HOST_PORT)));
        hostSocket.socket().setSoTimeout(10_000);
        memory = GuestMemory.create("net-test", 16 << 20);
        loop = EventLoop.start("virtio-net-test");
        device = NetDevice.open(tap.get(), GUEST_MAC, 1500);
        transport = new MmioTransport("net@test", device, memory, loop);
        driver = new GuestDriver(memory, transport, 256);
        driver.start(device.features());
        assertEquals(0x0f, transport.status(), "the driver set DRIVER_OK");
    }

    @AfterEach
    void tearDown() throws Exception {
        try (TestNetns n = netns; Fd t = tap; DatagramChannel h = hostSocket; GuestMemory m = memory;
             EventLoop l = loop) {
            if (transport != null) {
                transport.close();
            }
        }
    }

    private <T> T onLoop(Callable<T> work) throws Exception {
        return loop.call(work);
    }

    /** Asks {@code condition} on the loop until it holds, for up to 10 s. */
    private void awaitOnLoop(Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!onLoop(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 10 s");
            }
            Thread.sleep(1);
        }
    }

    @Test
    void announcesMacMtuAndTheFeaturesItImplements() throws Exception {
        assertEquals(Virtio.ID_NET, transport.read(MmioTransport.DEVICE_ID, 4));
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) transport.read(MmioTransport.CONFIG + i, 1);
        }
        assertArrayEquals(Frames.mac(GUEST_MAC), mac);
        assertEquals(1500, transport.read(MmioTransport.CONFIG + 10, 2));
        assertEquals(Virtio.F_VERSION_1 | Virtio.F_RING_INDIRECT_DESC | NetDevice.F_MAC | NetDevice.F_MTU,
                device.features());
        assertEquals(HEADER, TunTap.vnetHeaderSize(tap.get()), "the tap adds virtio_net_hdr_v1 (12 bytes)");
    }

    @Test
    void refusesATapWithoutTheVnetHeaderAndBadMacOrMtu() throws Exception {
        try (Fd plain = netns.inside(() -> TunTap.open("vnt1", TunTap.IFF_TAP | TunTap.IFF_NO_PI))) {
            IOException e = assertThrows(IOException.class, () -> NetDevice.open(plain.get(), GUEST_MAC, 1500));
            assertTrue(e.getMessage().contains("IFF_VNET_HDR"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> NetDevice.open(tap.get(), "02:00:00:77:00", 1500));
        assertThrows(IllegalArgumentException.class, () -> NetDevice.open(tap.get(), GUEST_MAC, 65536));
    }

    /** A guest frame to the namespace's UDP socket; the header in a buffer of its own, or all in one. */
    private void transmit(byte[] payload, boolean splitHeader, boolean indirect) throws Exception {
        byte[] frame = Frames.udp(Frames.mac(TAP_MAC), Frames.mac(GUEST_MAC), GUEST_IP, HOST_IP, GUEST_PORT,
                HOST_PORT, payload);
        long header = driver.allocate(HEADER);
        memory.slice(header, HEADER).fill((byte) 0);
        long data = driver.allocate(frame.length);
        memory.write(data, frame, 0, frame.length);
        int head;
        if (splitHeader) {
            Buffer[] buffers = {Buffer.in(header, HEADER), Buffer.in(data, frame.length)};
            head = indirect ? driver.submitIndirect(NetQueues.TX, buffers) : driver.submit(NetQueues.TX, buffers);
        } else {
            long whole = driver.allocate(HEADER + frame.length);
            memory.slice(whole, HEADER).fill((byte) 0);
            memory.write(whole + HEADER, frame, 0, frame.length);
            head = driver.submit(NetQueues.TX, Buffer.in(whole, HEADER + frame.length));
        }
        driver.kick(NetQueues.TX);
        assertEquals(new GuestDriver.Used(head, 0), driver.awaitUsed(NetQueues.TX), "TX chains come back empty");
    }

    private byte[] receiveOnHost() throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[65536], 65536);
        hostSocket.socket().receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    @Test
    void guestFramesReachTheNamespaceByteExact() throws Exception {
        byte[] small = "hello from the guest".getBytes(StandardCharsets.US_ASCII);
        transmit(small, true, false);
        assertArrayEquals(small, receiveOnHost());
        byte[] full = new byte[1500 - Frames.IPV4 - Frames.UDP];
        new java.util.Random(5).nextBytes(full);
        transmit(full, false, false);
        assertArrayEquals(full, receiveOnHost(), "one MTU-sized datagram");
        transmit(small, true, true);
        assertArrayEquals(small, receiveOnHost(), "through an indirect table");
        assertEquals(3L, (long) onLoop(() -> device.stats().txFrames));
    }

    /** Sends {@code payload} from the namespace to the guest's address. */
    private void sendFromHost(byte[] payload) throws Exception {
        hostSocket.send(ByteBuffer.wrap(payload), new InetSocketAddress(InetAddress.getByAddress(GUEST_IP),
                GUEST_PORT));
    }

    /** Posts an RX buffer of {@code size} bytes; returns its address. */
    private long postRx(int size) {
        long address = driver.allocate(size);
        memory.slice(address, size).fill((byte) 0x5a);
        driver.submit(NetQueues.RX, Buffer.out(address, size));
        return address;
    }

    /** The used RX buffer at {@code address}: checks the header and returns the frame after it. */
    private byte[] frameAt(long address, GuestDriver.Used used) {
        assertTrue(used.length() > HEADER, "used length " + used.length());
        byte[] header = new byte[HEADER];
        memory.read(address, header, 0, HEADER);
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, h.get(0), "flags: no GUEST_CSUM, so 0");
        assertEquals(0, h.get(1), "gso_type NONE");
        assertEquals(1, h.getShort(10), "num_buffers is 1 without MRG_RXBUF");
        byte[] frame = new byte[used.length() - HEADER];
        memory.read(address + HEADER, frame, 0, frame.length);
        return frame;
    }

    @Test
    void namespaceFramesReachTheGuestWithTheHeaderVirtioWants() throws Exception {
        long buffer = postRx(HEADER + 1514);
        driver.kick(NetQueues.RX);
        byte[] payload = "hello from the host".getBytes(StandardCharsets.US_ASCII);
        sendFromHost(payload);
        GuestDriver.Used used = driver.awaitUsed(NetQueues.RX);
        byte[] frame = frameAt(buffer, used);
        assertArrayEquals(Frames.mac(GUEST_MAC), Arrays.copyOf(frame, 6), "to the guest's MAC");
        assertArrayEquals(Frames.mac(TAP_MAC), Arrays.copyOfRange(frame, 6, 12), "from the tap's");
        assertArrayEquals(payload, Frames.udpPayload(frame, GUEST_PORT));
        assertEquals(HEADER + Frames.HEADERS + payload.length, used.length());
    }

    @Test
    void withoutRxBuffersFramesWaitInTheTapAndTheDeviceStopsWatchingIt() throws Exception {
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] payload = ("datagram " + i).getBytes(StandardCharsets.US_ASCII);
            sent.add(payload);
            sendFromHost(payload);
        }
        awaitOnLoop(() -> device.stats().rxPauses == 1, "the device stops watching the tap");
        long wakeups = onLoop(() -> device.stats().tapWakeups);
        for (int i = 0; i < 5; i++) {
            onLoop(() -> null);
        }
        assertEquals(wakeups, (long) onLoop(() -> device.stats().tapWakeups), "no wake-ups while paused");
        assertFalse(driver.hasUsed(NetQueues.RX));
        long[] buffers = new long[5];
        for (int i = 0; i < 5; i++) {
            buffers[i] = postRx(HEADER + 1514);
        }
        driver.kick(NetQueues.RX);
        for (int i = 0; i < 5; i++) {
            GuestDriver.Used used = driver.awaitUsed(NetQueues.RX);
            assertArrayEquals(sent.get(i), Frames.udpPayload(frameAt(buffers[i], used), GUEST_PORT),
                    "datagram " + i + " in order");
        }
        assertEquals(0L, (long) onLoop(() -> device.stats().rxDropped));
    }

    @Test
    void hostileTxFramesAreDroppedAndTheDeviceGoesOn() throws Exception {
        long tiny = driver.allocate(8);
        int head = driver.submit(NetQueues.TX, Buffer.in(tiny, 8));
        driver.kick(NetQueues.TX);
        assertEquals(new GuestDriver.Used(head, 0), driver.awaitUsed(NetQueues.TX));
        // One byte beyond the MTU (1500) plus Ethernet header and VLAN tag.
        int oversized = HEADER + 1500 + NetQueues.VLAN_ETHERNET + 1;
        long huge = driver.allocate(oversized);
        memory.slice(huge, oversized).fill((byte) 0);
        head = driver.submit(NetQueues.TX, Buffer.in(huge, oversized));
        driver.kick(NetQueues.TX);
        assertEquals(new GuestDriver.Used(head, 0), driver.awaitUsed(NetQueues.TX));
        byte[] frame = Frames.udp(Frames.mac(TAP_MAC), Frames.mac(GUEST_MAC), GUEST_IP, HOST_IP, GUEST_PORT,
                HOST_PORT, "gso".getBytes(StandardCharsets.US_ASCII));
        long gso = driver.allocate(HEADER + frame.length);
        memory.slice(gso, HEADER).fill((byte) 0);
        memory.writeByte(gso, (byte) 1);
        memory.writeByte(gso + 1, (byte) 1);
        memory.write(gso + HEADER, frame, 0, frame.length);
        head = driver.submit(NetQueues.TX, Buffer.in(gso, HEADER + frame.length));
        driver.kick(NetQueues.TX);
        assertEquals(new GuestDriver.Used(head, 0), driver.awaitUsed(NetQueues.TX));
        assertEquals(3L, (long) onLoop(() -> device.stats().txDropped), "short, beyond the MTU, unnegotiated offload");
        byte[] good = "still working".getBytes(StandardCharsets.US_ASCII);
        transmit(good, true, false);
        assertArrayEquals(good, receiveOnHost(), "the first datagram the namespace sees is the good one");
        assertEquals(0x0f, transport.status());
    }

    @Test
    void anRxBufferTooSmallForTheFrameComesBackEmptyAndTheNextFrameGetsThrough() throws Exception {
        postRx(HEADER + 20);
        long big = postRx(HEADER + 1514);
        driver.kick(NetQueues.RX);
        byte[] payload = new byte[200];
        new java.util.Random(9).nextBytes(payload);
        sendFromHost(payload);
        assertEquals(0, driver.awaitUsed(NetQueues.RX).length(), "the small buffer, empty");
        sendFromHost(payload);
        assertArrayEquals(payload, Frames.udpPayload(frameAt(big, driver.awaitUsed(NetQueues.RX)), GUEST_PORT));
        assertEquals(1L, (long) onLoop(() -> device.stats().rxDropped));
    }

    @Test
    void interruptsFollowTheDriversSuppressionFlagAndNotificationsAreBackOnAfterWork() throws Exception {
        long rxAvail = GuestDriver.descriptorTable(NetQueues.RX) + GuestDriver.AVAIL_OFFSET;
        memory.writeShort(rxAvail, (short) 1); // VRING_AVAIL_F_NO_INTERRUPT, as Linux sets it while NAPI polls
        long first = postRx(HEADER + 1514);
        driver.kick(NetQueues.RX);
        byte[] payload = "quiet".getBytes(StandardCharsets.US_ASCII);
        sendFromHost(payload);
        assertArrayEquals(payload, Frames.udpPayload(frameAt(first, driver.awaitUsed(NetQueues.RX)), GUEST_PORT));
        onLoop(() -> null);
        assertEquals(0, transport.read(MmioTransport.INTERRUPT_STATUS, 4), "no interrupt while suppressed");
        memory.writeShort(rxAvail, (short) 0);
        long second = postRx(HEADER + 1514);
        driver.kick(NetQueues.RX);
        sendFromHost(payload);
        assertArrayEquals(payload, Frames.udpPayload(frameAt(second, driver.awaitUsed(NetQueues.RX)), GUEST_PORT));
        onLoop(() -> null);
        assertEquals(1, transport.read(MmioTransport.INTERRUPT_STATUS, 4), "a used-buffer interrupt");
        transmit(payload, true, false);
        assertArrayEquals(payload, receiveOnHost());
        onLoop(() -> null);
        long txUsed = GuestDriver.descriptorTable(NetQueues.TX) + GuestDriver.USED_OFFSET;
        assertEquals(0, memory.readShort(txUsed), "VRING_USED_F_NO_NOTIFY is off once the queue is empty");
    }

    @Test
    void aDriverResetStopsTheDeviceAndANewActivationWorks() throws Exception {
        transport.write(MmioTransport.STATUS, 4, 0);
        assertEquals(0, transport.status());
        driver = new GuestDriver(memory, transport, 256);
        driver.start(device.features());
        long buffer = postRx(HEADER + 1514);
        driver.kick(NetQueues.RX);
        byte[] payload = "after reset".getBytes(StandardCharsets.US_ASCII);
        sendFromHost(payload);
        assertArrayEquals(payload, Frames.udpPayload(frameAt(buffer, driver.awaitUsed(NetQueues.RX)), GUEST_PORT));
        transmit(payload, true, false);
        assertArrayEquals(payload, receiveOnHost());
    }
}
