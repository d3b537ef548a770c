package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.vsock.GuestVsock.Packet;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vsock device between a real unix-socket client on the host and a guest driver played through guest memory:
 * the hybrid-vsock handshake, byte-exact streams in both directions under credit flow control, and what it does with
 * bad input from either side.
 */
class VsockDeviceTest {
    private static final int AGENT_PORT = 1024;
    private static final int GUEST_BUF_ALLOC = 128 * 1024;

    @TempDir
    Path dir;

    private GuestMemory memory;
    private EventLoop loop;
    private MmioTransport transport;
    private GuestVsock guest;
    private Path socket;

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.create("vsock-test", 16 << 20);
        loop = EventLoop.start("virtio-vsock-test");
        socket = dir.resolve("kata.hvsock");
        transport = new MmioTransport("vsock@test", VsockDevice.open(socket, 3), memory, loop);
        guest = new GuestVsock(new GuestDriver(memory, transport, 64), 16 * 1024);
        guest.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        try (GuestMemory m = memory; EventLoop l = loop) {
            transport.close();
        }
        assertFalse(Files.exists(socket), "the socket file is removed");
    }

    /** Connects a client to the guest port and plays the guest's accept; returns the client and the host port. */
    private record Stream(SocketChannel client, int hostPort) {
    }

    private Stream open(int guestPort) throws Exception {
        SocketChannel client = HostClient.connect(socket);
        HostClient.send(client, "CONNECT " + guestPort + "\n");
        Packet request = guest.receive();
        PacketHeader h = request.header();
        assertEquals(PacketHeader.OP_REQUEST, h.op());
        assertEquals(Muxer.HOST_CID, h.srcCid());
        assertEquals(GuestVsock.GUEST_CID, h.dstCid());
        assertEquals(guestPort, h.dstPort());
        assertEquals(Connection.BUFFER_SIZE, h.bufAlloc());
        guest.send(GuestVsock.header(guestPort, h.srcPort(), PacketHeader.OP_RESPONSE, 0, GUEST_BUF_ALLOC, 0),
                null, 0, 0);
        assertEquals("OK " + Integer.toUnsignedString(h.srcPort()), HostClient.readLine(client));
        return new Stream(client, h.srcPort());
    }

    @Test
    void configHoldsTheGuestCid() {
        assertEquals(Virtio.ID_VSOCK, transport.read(MmioTransport.DEVICE_ID, 4));
        assertEquals(3, transport.read(MmioTransport.CONFIG, 8));
    }

    @Test
    void connectRequestReachesTheGuestAndOkComesBack() throws Exception {
        Stream stream = open(AGENT_PORT);
        try (SocketChannel client = stream.client()) {
            HostClient.send(client, "ping");
            Packet data = guest.receive();
            assertEquals(PacketHeader.OP_RW, data.header().op());
            assertEquals("ping", new String(data.payload(), StandardCharsets.US_ASCII));
            byte[] pong = "pong".getBytes(StandardCharsets.US_ASCII);
            guest.send(GuestVsock.header(AGENT_PORT, stream.hostPort(), PacketHeader.OP_RW, 4, GUEST_BUF_ALLOC, 4),
                    pong, 0, 4);
            ByteBuffer reply = ByteBuffer.allocate(4);
            while (reply.hasRemaining()) {
                client.read(reply);
            }
            assertArrayEquals(pong, reply.array());
        }
        Packet shutdown = guest.receive();
        assertEquals(PacketHeader.OP_SHUTDOWN, shutdown.header().op(), "the host closing reaches the guest");
        assertEquals(PacketHeader.SHUTDOWN_RCV | PacketHeader.SHUTDOWN_SEND, shutdown.header().flags());
    }

    @Test
    void guestRefusingTheConnectionClosesTheClient() throws Exception {
        try (SocketChannel client = HostClient.connect(socket)) {
            HostClient.send(client, "CONNECT 4242\n");
            PacketHeader request = guest.receive().header();
            guest.send(GuestVsock.header(4242, request.srcPort(), PacketHeader.OP_RST, 0, 0, 0), null, 0, 0);
            assertEquals(null, HostClient.readLine(client), "no OK, just end of stream");
        }
    }

    @Test
    void badRequestLinesAreClosed() throws Exception {
        for (String bad : new String[] {"HELLO\n", "CONNECT abc\n", "CONNECT 99999999999\n", "CONNECT \n",
                "CONNECT 1024 1025\n", "X".repeat(100)}) {
            try (SocketChannel client = HostClient.connect(socket)) {
                HostClient.send(client, bad);
                assertEquals(null, HostClient.readLine(client), "closed after " + bad.strip());
            }
        }
        assertFalse(guest.hasPacket(), "the guest heard nothing of it");
        open(AGENT_PORT).client().close();
    }

    @Test
    void packetsForUnknownConnectionsGetRst() throws Exception {
        guest.send(GuestVsock.header(5000, 77, PacketHeader.OP_RW, 3, GUEST_BUF_ALLOC, 0), new byte[3], 0, 3);
        PacketHeader rst = guest.receive().header();
        assertEquals(PacketHeader.OP_RST, rst.op());
        assertEquals(77, rst.srcPort());
        assertEquals(5000, rst.dstPort());

        guest.send(GuestVsock.header(5001, 1024, PacketHeader.OP_REQUEST, 0, GUEST_BUF_ALLOC, 0), null, 0, 0);
        assertEquals(PacketHeader.OP_RST, guest.receive().header().op(), "no guest-initiated connections");

        guest.send(GuestVsock.header(5002, 78, PacketHeader.OP_RST, 0, 0, 0), null, 0, 0);
        Thread.sleep(50);
        assertFalse(guest.hasPacket(), "an RST is never answered");
    }

    @Test
    void hostileHeadersResetTheConnectionAndTheDeviceGoesOn() throws Exception {
        Stream stream = open(AGENT_PORT);
        try (SocketChannel client = stream.client()) {
            PacketHeader lying = GuestVsock.header(AGENT_PORT, stream.hostPort(), PacketHeader.OP_RW, 1 << 20,
                    GUEST_BUF_ALLOC, 0);
            guest.send(lying, new byte[16], 0, 16);
            PacketHeader rst = guest.receive().header();
            assertEquals(PacketHeader.OP_RST, rst.op(), "a length beyond the buffers resets the connection");
            assertEquals(null, HostClient.readLine(client), "and closes the host side");
        }
        guest.sendRaw(new byte[20], null, 0, 0);
        PacketHeader spoofed = new PacketHeader(7, Muxer.HOST_CID, 1, 2, 0, PacketHeader.TYPE_STREAM,
                PacketHeader.OP_REQUEST, 0, 0, 0);
        guest.send(spoofed, null, 0, 0);
        PacketHeader seqpacket = new PacketHeader(GuestVsock.GUEST_CID, Muxer.HOST_CID, 9, 10, 0, 2,
                PacketHeader.OP_RW, 0, 0, 0);
        guest.send(seqpacket, null, 0, 0);
        assertEquals(PacketHeader.OP_RST, guest.receive().header().op(), "an unknown type is refused");
        assertFalse(guest.hasPacket(), "short and spoofed packets are dropped silently");
        assertEquals(0x0f, transport.status(), "the device is still running");
        open(AGENT_PORT).client().close();
    }

    @Test
    void driverResetClosesHostConnectionsAndANewActivationServesClients() throws Exception {
        Stream stream = open(AGENT_PORT);
        try (SocketChannel client = stream.client()) {
            transport.write(MmioTransport.STATUS, 4, 0);
            assertEquals(null, HostClient.readLine(client), "the reset closed the host side");
        }
        guest = new GuestVsock(new GuestDriver(memory, transport, 64), 16 * 1024);
        guest.start();
        try (SocketChannel again = open(AGENT_PORT).client()) {
            HostClient.send(again, "x");
            assertEquals("x", new String(guest.receive().payload(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void guestOutOfCreditGetsACreditRequestAndNoMoreData() throws Exception {
        int small = 16 * 1024;
        SocketChannel client = HostClient.connect(socket);
        HostClient.send(client, "CONNECT " + AGENT_PORT + "\n");
        PacketHeader request = guest.receive().header();
        int hostPort = request.srcPort();
        guest.send(GuestVsock.header(AGENT_PORT, hostPort, PacketHeader.OP_RESPONSE, 0, small, 0), null, 0, 0);
        assertEquals("OK " + Integer.toUnsignedString(hostPort), HostClient.readLine(client));
        try (client) {
            byte[] data = new byte[4 * small];
            new Random(3).nextBytes(data);
            HostClient.writeAll(client, data).get(10, TimeUnit.SECONDS);
            ByteBuffer got = ByteBuffer.allocate(data.length);
            Packet p = guest.receive();
            while (p.header().op() == PacketHeader.OP_RW) {
                got.put(p.payload());
                p = guest.receive();
            }
            assertEquals(PacketHeader.OP_CREDIT_REQUEST, p.header().op());
            assertEquals(small, got.position(), "exactly the guest's buffer, then a request for credit");
            Thread.sleep(50);
            assertFalse(guest.hasPacket(), "nothing more until the guest grants credit");
            guest.send(GuestVsock.header(AGENT_PORT, hostPort, PacketHeader.OP_CREDIT_UPDATE, 0, small, small),
                    null, 0, 0);
            p = guest.receive();
            assertEquals(PacketHeader.OP_RW, p.header().op());
            got.put(p.payload());
            assertArrayEquals(Arrays.copyOf(data, got.position()), Arrays.copyOf(got.array(), got.position()));
        }
    }

    @Test
    void slowHostReaderStallsTheGuestByCreditWithoutLosingBytes() throws Exception {
        Stream stream = open(AGENT_PORT);
        try (SocketChannel client = stream.client()) {
            byte[] data = new byte[4 << 20];
            new Random(4).nextBytes(data);
            CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> null,
                    CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS))
                    .thenCompose(ignored -> HostClient.readAll(client, data.length));
            guest.sendStream(AGENT_PORT, stream.hostPort(), data, GUEST_BUF_ALLOC);
            assertArrayEquals(data, reader.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void guestShutdownFlushesThenResets() throws Exception {
        Stream stream = open(AGENT_PORT);
        try (SocketChannel client = stream.client()) {
            byte[] bye = "bye".getBytes(StandardCharsets.US_ASCII);
            guest.send(GuestVsock.header(AGENT_PORT, stream.hostPort(), PacketHeader.OP_RW, 3, GUEST_BUF_ALLOC, 0),
                    bye, 0, 3);
            PacketHeader shutdown = new PacketHeader(GuestVsock.GUEST_CID, Muxer.HOST_CID, AGENT_PORT,
                    stream.hostPort(), 0, PacketHeader.TYPE_STREAM, PacketHeader.OP_SHUTDOWN,
                    PacketHeader.SHUTDOWN_RCV | PacketHeader.SHUTDOWN_SEND, GUEST_BUF_ALLOC, 0);
            guest.send(shutdown, null, 0, 0);
            assertEquals("bye", HostClient.readLine(client), "the data before the shutdown arrives, then the end");
            assertEquals(PacketHeader.OP_RST, guest.receive().header().op(), "the device confirms with RST");
        }
    }

    @Test
    void sixteenMebibytesEachWayByteExactUnderCredit() throws Exception {
        int total = 16 << 20;
        byte[] up = new byte[total];
        byte[] down = new byte[total];
        new Random(1).nextBytes(up);
        new Random(2).nextBytes(down);
        Stream stream = open(AGENT_PORT);
        try (SocketChannel client = stream.client()) {
            CompletableFuture<Void> writer = HostClient.writeAll(client, down);
            byte[] digest = guest.receiveStream(AGENT_PORT, stream.hostPort(), total, GUEST_BUF_ALLOC);
            writer.get(10, TimeUnit.SECONDS);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(down), digest);

            CompletableFuture<byte[]> reader = HostClient.readAll(client, total);
            int creditUpdates = guest.sendStream(AGENT_PORT, stream.hostPort(), up, GUEST_BUF_ALLOC);
            assertArrayEquals(up, reader.get(20, TimeUnit.SECONDS));
            assertTrue(creditUpdates > 0, "the device sent credit updates as the host consumed");
        }
    }
}
