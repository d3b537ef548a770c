package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One hybrid-vsock stream through the vsock device, for the relay benchmarks (this package's main and the JMH
 * benchmark in the benchmarks module): guest memory, the device on its event loop, the guest driver played in this
 * process, a host unix-socket client connected to guest port 1024. Each transfer returns the SHA-256 of the bytes
 * that arrived, for the caller to compare with what it sent.
 */
public final class VsockRelay implements AutoCloseable {
    private static final int GUEST_PORT = 1024;
    private static final int BUF_ALLOC = 256 * 1024;

    private final Path socket;
    private final GuestMemory memory;
    private final EventLoop loop;
    private final MmioTransport transport;
    private final GuestVsock guest;
    private final SocketChannel client;
    private final int hostPort;

    private VsockRelay(Path socket, GuestMemory memory, EventLoop loop, MmioTransport transport, GuestVsock guest,
                       SocketChannel client, int hostPort) {
        this.socket = socket;
        this.memory = memory;
        this.loop = loop;
        this.transport = transport;
        this.guest = guest;
        this.client = client;
        this.hostPort = hostPort;
    }

    /** A connected stream; the device's socket is {@code dir}/hvsock, guest RX buffers hold {@code rxBuffer} bytes. */
    public static VsockRelay open(Path dir, int rxBuffer) throws Exception {
        if (rxBuffer <= PacketHeader.SIZE) {
            throw new IllegalArgumentException("the RX buffer must exceed the 44-byte packet header");
        }
        Path socket = dir.resolve("hvsock");
        GuestMemory memory = GuestMemory.create("vsock-relay", 64 << 20);
        EventLoop loop = null;
        MmioTransport transport = null;
        SocketChannel client = null;
        try {
            loop = EventLoop.start("virtio-vsock-bench");
            transport = new MmioTransport("vsock@bench", VsockDevice.open(socket, VsockDevice.DEFAULT_GUEST_CID),
                    memory, loop);
            GuestVsock guest = new GuestVsock(new GuestDriver(memory, transport, 256), rxBuffer);
            guest.start();
            client = HostClient.connect(socket);
            return new VsockRelay(socket, memory, loop, transport, guest, client, accept(guest, client));
        } catch (Exception e) {
            try (GuestMemory m = memory; EventLoop l = loop; MmioTransport t = transport; SocketChannel c = client) {
                throw e;
            }
        }
    }

    /** Plays the guest agent accepting the connection on port 1024; returns the host port. */
    private static int accept(GuestVsock guest, SocketChannel client) throws Exception {
        HostClient.send(client, "CONNECT " + GUEST_PORT + "\n");
        PacketHeader request = guest.receive().header();
        guest.send(GuestVsock.header(GUEST_PORT, request.srcPort(), PacketHeader.OP_RESPONSE, 0, BUF_ALLOC, 0), null,
                0, 0);
        String ok = HostClient.readLine(client);
        if (!("OK " + Integer.toUnsignedString(request.srcPort())).equals(ok)) {
            throw new IllegalStateException("expected OK <port>, got " + ok);
        }
        return request.srcPort();
    }

    /** Host socket -> device -> guest RX ring; the SHA-256 of what the guest received. */
    public byte[] hostToGuest(byte[] data) throws Exception {
        CompletableFuture<Void> writer = HostClient.writeAll(client, data);
        byte[] got = guest.receiveStream(GUEST_PORT, hostPort, data.length, BUF_ALLOC);
        writer.get(60, TimeUnit.SECONDS);
        return got;
    }

    /** Guest TX ring -> device -> host socket; the SHA-256 of what the host received. */
    public byte[] guestToHost(byte[] data) throws Exception {
        CompletableFuture<byte[]> reader = HostClient.readAll(client, data.length);
        guest.sendStream(GUEST_PORT, hostPort, data, BUF_ALLOC);
        return MessageDigest.getInstance("SHA-256").digest(reader.get(60, TimeUnit.SECONDS));
    }

    @Override
    public void close() throws Exception {
        try (GuestMemory m = memory; EventLoop l = loop; MmioTransport t = transport; SocketChannel c = client) {
            Files.deleteIfExists(socket);
        }
    }

    /** The peer: one plain connected unix socket pair carrying the same bytes, the cost no relay can beat. */
    public static final class UnixSocketPeer implements AutoCloseable {
        private final Path path;
        private final ServerSocketChannel server;
        private final SocketChannel writer;
        private final SocketChannel reader;

        private UnixSocketPeer(Path path, ServerSocketChannel server, SocketChannel writer, SocketChannel reader) {
            this.path = path;
            this.server = server;
            this.writer = writer;
            this.reader = reader;
        }

        /** Binds {@code path}, connects to it and accepts. */
        public static UnixSocketPeer open(Path path) throws Exception {
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            SocketChannel writer = null;
            try {
                server.bind(UnixDomainSocketAddress.of(path));
                writer = SocketChannel.open(server.getLocalAddress());
                return new UnixSocketPeer(path, server, writer, server.accept());
            } catch (Exception e) {
                try (ServerSocketChannel s = server; SocketChannel w = writer) {
                    Files.deleteIfExists(path);
                    throw e;
                }
            }
        }

        /** Sends {@code data} from one end to the other; the SHA-256 of what arrived. */
        public byte[] transfer(byte[] data) throws Exception {
            CompletableFuture<Void> sent = HostClient.writeAll(writer, data);
            byte[] received = HostClient.readAll(reader, data.length).get(60, TimeUnit.SECONDS);
            sent.get(60, TimeUnit.SECONDS);
            return MessageDigest.getInstance("SHA-256").digest(received);
        }

        @Override
        public void close() throws Exception {
            try (ServerSocketChannel s = server; SocketChannel w = writer; SocketChannel r = reader) {
                Files.deleteIfExists(path);
            }
        }
    }
}
