package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The guest's virtio-vsock driver, reduced to what tests and the relay benchmark need: RX buffers kept posted,
 * packets sent through TX one at a time (header and payload in separate descriptors, as Linux does), and packets
 * received with their payload. Plain Java, no JUnit, so that the benchmark can run it.
 */
final class GuestVsock {
    static final long GUEST_CID = 3;
    static final int RX_BUFFERS = 32;

    record Packet(PacketHeader header, byte[] payload) {
    }

    private final GuestDriver driver;
    private final int rxBufferSize;
    private final Map<Integer, Long> rxBuffers = new HashMap<>();
    private final long txHeader;
    private final long txPayload;
    /** Credit counters of the stream methods' connection, which run on from one transfer to the next. */
    private int consumed;
    private int sent;
    private int hostFwdCnt;

    /** A guest whose RX buffers hold {@code rxBufferSize} bytes each (Linux posts 4 KiB, or 64 KiB with mergeable). */
    GuestVsock(GuestDriver driver, int rxBufferSize) {
        this.driver = driver;
        this.rxBufferSize = rxBufferSize;
        this.txHeader = driver.allocate(PacketHeader.SIZE);
        this.txPayload = driver.allocate(Muxer.MAX_PAYLOAD + 4096);
    }

    /** Starts the device and posts the RX buffers. */
    void start() throws SyscallException {
        driver.start(driver.transport().device().features());
        for (int i = 0; i < RX_BUFFERS; i++) {
            long address = driver.allocate(rxBufferSize);
            rxBuffers.put(driver.submit(Muxer.RX, Buffer.out(address, rxBufferSize)), address);
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
        if (used.head() != head) {
            throw new AssertionError("TX returned chain " + used.head() + ", sent " + head);
        }
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
        if (used.length() != PacketHeader.SIZE + header.length()) {
            throw new AssertionError("used length " + used.length() + " is not header plus " + header.length());
        }
        rxBuffers.put(driver.submit(Muxer.RX, Buffer.out(address, rxBufferSize)), address);
        if (!hasPacket()) {
            // Like Linux's driver, kick once per batch: the device only waits for buffers once it used them all.
            driver.kick(Muxer.RX);
        }
        return new Packet(header, Arrays.copyOfRange(raw, PacketHeader.SIZE, raw.length));
    }

    /**
     * Receives {@code total} stream bytes from host port {@code hostPort} into a SHA-256 digest, consuming each
     * packet at once and advertising credit (buf_alloc {@code bufAlloc}) every quarter of it or when asked.

     * @throws AssertionError if the device sends beyond the advertised credit or anything but data and credit
     *                        (a late credit update about the other direction is fine)
     */
    byte[] receiveStream(int guestPort, int hostPort, long total, int bufAlloc) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long got = 0;
        long advertised = 0;
        while (got < total) {
            Packet p = receive();
            int op = p.header().op();
            if (op == PacketHeader.OP_RW) {
                digest.update(p.payload());
                got += p.payload().length;
                if (got - advertised > bufAlloc) {
                    throw new AssertionError("the device sent " + (got - advertised) + " bytes on credit " + bufAlloc);
                }
            } else if (op != PacketHeader.OP_CREDIT_REQUEST && op != PacketHeader.OP_CREDIT_UPDATE) {
                throw new AssertionError("unexpected op " + op + " in a stream");
            }
            if (op == PacketHeader.OP_CREDIT_REQUEST || got - advertised >= bufAlloc / 4) {
                send(header(guestPort, hostPort, PacketHeader.OP_CREDIT_UPDATE, 0, bufAlloc, consumed + (int) got),
                        null, 0, 0);
                advertised = got;
            }
        }
        consumed += (int) got;
        return digest.digest();
    }

    /**
     * Sends {@code data} to host port {@code hostPort} in RW packets of up to 32 KiB within the device's credit,
     * asking for credit when it runs out and answering the device's credit requests.
     *
     * @return how many credit updates the device sent
     */
    int sendStream(int guestPort, int hostPort, byte[] data, int bufAlloc) throws Exception {
        int fwdCnt = consumed;
        int done = 0;
        int updates = 0;
        while (done < data.length) {
            int credit = Connection.BUFFER_SIZE - (sent - hostFwdCnt);
            if (credit == 0) {
                send(header(guestPort, hostPort, PacketHeader.OP_CREDIT_REQUEST, 0, bufAlloc, fwdCnt), null, 0, 0);
            }
            while (hasPacket() || credit == 0) {
                PacketHeader h = receive().header();
                if (h.op() == PacketHeader.OP_CREDIT_REQUEST) {
                    send(header(guestPort, hostPort, PacketHeader.OP_CREDIT_UPDATE, 0, bufAlloc, fwdCnt), null, 0, 0);
                    continue;
                }
                if (h.op() != PacketHeader.OP_CREDIT_UPDATE) {
                    throw new AssertionError("unexpected op " + h.op() + " while sending");
                }
                hostFwdCnt = h.fwdCnt();
                credit = Connection.BUFFER_SIZE - (sent - hostFwdCnt);
                updates++;
            }
            int n = Math.min(Math.min(32 * 1024, credit), data.length - done);
            send(header(guestPort, hostPort, PacketHeader.OP_RW, n, bufAlloc, fwdCnt), data, done, n);
            done += n;
            sent += n;
        }
        return updates;
    }
}
