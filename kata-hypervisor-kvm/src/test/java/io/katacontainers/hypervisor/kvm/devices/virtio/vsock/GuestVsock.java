package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The guest's virtio-vsock driver, reduced to what tests need: RX buffers kept posted, packets sent through TX one
 * at a time (header and payload in separate descriptors, as Linux does), and packets received with their payload.
 */
final class GuestVsock {
    static final long GUEST_CID = 3;
    static final int RX_BUFFER = 16 * 1024;
    static final int RX_BUFFERS = 32;

    record Packet(PacketHeader header, byte[] payload) {
    }

    private final GuestDriver driver;
    private final Map<Integer, Long> rxBuffers = new HashMap<>();
    private final long txHeader;
    private final long txPayload;

    GuestVsock(GuestDriver driver) {
        this.driver = driver;
        this.txHeader = driver.allocate(PacketHeader.SIZE);
        this.txPayload = driver.allocate(Muxer.MAX_PAYLOAD + 4096);
    }

    /** Starts the device and posts the RX buffers. */
    void start() throws SyscallException {
        driver.start(driver.transport().device().features());
        for (int i = 0; i < RX_BUFFERS; i++) {
            long address = driver.allocate(RX_BUFFER);
            rxBuffers.put(driver.submit(Muxer.RX, Buffer.out(address, RX_BUFFER)), address);
        }
        driver.kick(Muxer.RX);
    }

    static PacketHeader header(int srcPort, int dstPort, int op, int length, int bufAlloc, int fwdCnt) {
        return new PacketHeader(GUEST_CID, Muxer.HOST_CID, srcPort, dstPort, length, PacketHeader.TYPE_STREAM, op,
                0, bufAlloc, fwdCnt);
    }

    /** Sends one packet and waits until the device took it. */
    void send(PacketHeader header, byte[] payload, int offset, int length) throws Exception {
        sendRaw(header.encode(), payload, offset, length);
    }

    void sendRaw(byte[] header, byte[] payload, int offset, int length) throws Exception {
        driver.memory().write(txHeader, header, 0, header.length);
        int head;
        if (length == 0) {
            head = driver.submit(Muxer.TX, Buffer.in(txHeader, header.length));
        } else {
            driver.memory().write(txPayload, payload, offset, length);
            head = driver.submit(Muxer.TX, Buffer.in(txHeader, header.length), Buffer.in(txPayload, length));
        }
        driver.kick(Muxer.TX);
        GuestDriver.Used used = driver.awaitUsed(Muxer.TX);
        assertEquals(head, used.head());
    }

    /** Whether a packet is waiting. */
    boolean hasPacket() {
        return driver.hasUsed(Muxer.RX);
    }

    /** The next packet for the guest (waits up to 10 s); its buffer goes straight back to the device. */
    Packet receive() throws Exception {
        GuestDriver.Used used = driver.awaitUsed(Muxer.RX);
        long address = rxBuffers.remove(used.head());
        byte[] raw = new byte[used.length()];
        driver.memory().read(address, raw, 0, raw.length);
        PacketHeader header = PacketHeader.decode(Arrays.copyOf(raw, PacketHeader.SIZE));
        assertEquals(PacketHeader.SIZE + header.length(), used.length(), "used length is header plus payload");
        rxBuffers.put(driver.submit(Muxer.RX, Buffer.out(address, RX_BUFFER)), address);
        driver.kick(Muxer.RX);
        return new Packet(header, Arrays.copyOfRange(raw, PacketHeader.SIZE, raw.length));
    }
}
