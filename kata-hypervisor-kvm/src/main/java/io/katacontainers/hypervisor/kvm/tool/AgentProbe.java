package io.katacontainers.hypervisor.kvm.tool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Talks to a guest through the built-in VMM's hybrid vsock without the runtime: the agent's {@code grpc.Health/Check}
 * as one hand-encoded ttrpc request (so this module needs no protobuf), and one shell command through the agent's
 * debug console. For the nested KVM harness, where the agent's readiness is what a boot or a restore is timed to.
 */
final class AgentProbe {
    /** ttrpc message types. */
    private static final int TTRPC_REQUEST = 1;
    private static final int TTRPC_RESPONSE = 2;
    private static final int TTRPC_HEADER = 10;
    private static final Duration RETRY = Duration.ofMillis(5);

    private AgentProbe() {
    }

    /**
     * Asks the agent on {@code port} behind {@code socket} for its health until it says SERVING or {@code deadline}
     * (System.nanoTime) passes; the guest refuses the CONNECT until the agent listens.
     *
     * @return whether the agent answered SERVING in time
     */
    static boolean awaitHealthy(Path socket, int port, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            try (SocketChannel channel = connect(socket, port)) {
                if (channel != null && healthCheck(channel)) {
                    return true;
                }
            } catch (IOException e) {
                // The guest is not listening yet, or the agent not serving yet: ask again.
                System.getLogger(AgentProbe.class.getName()).log(System.Logger.Level.TRACE, "probe: {0}",
                        e.getMessage());
            }
            Thread.sleep(RETRY);
        }
        return false;
    }

    /**
     * Runs {@code command} in the guest's debug console on {@code port} and returns what it printed up to
     * {@code marker} (included), or empty when the console closed or {@code timeout} passed first.
     */
    static Optional<String> debugConsole(Path socket, int port, String command, String marker, Duration timeout)
            throws IOException {
        try (SocketChannel channel = connect(socket, port)) {
            if (channel == null) {
                return Optional.empty();
            }
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            long deadline = System.nanoTime() + timeout.toNanos();
            StringBuilder seen = new StringBuilder();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (System.nanoTime() < deadline) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    return Optional.empty();
                }
                seen.append(new String(buffer.array(), 0, n, StandardCharsets.UTF_8));
                int at = seen.indexOf(marker);
                if (at >= 0) {
                    return Optional.of(seen.substring(0, at + marker.length()));
                }
            }
            return Optional.empty();
        }
    }

    /** A hybrid-vsock connection to guest port {@code port}, or null when the guest refused it. */
    private static SocketChannel connect(Path socket, int port) throws IOException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        try {
            channel.write(ByteBuffer.wrap(("CONNECT " + port + "\n").getBytes(StandardCharsets.US_ASCII)));
            String line = readLine(channel);
            if (line == null || !line.startsWith("OK ")) {
                channel.close();
                return null;
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String readLine(SocketChannel channel) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (channel.read(one) < 0) {
                return null;
            }
            if (one.get(0) == '\n') {
                return line.toString(StandardCharsets.US_ASCII);
            }
            line.write(one.get(0));
        }
    }

    /** One ttrpc request {@code grpc.Health/Check} on stream 1; true when the answer is status OK, SERVING. */
    private static boolean healthCheck(SocketChannel channel) throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        field(request, 1, "grpc.Health".getBytes(StandardCharsets.US_ASCII));
        field(request, 2, "Check".getBytes(StandardCharsets.US_ASCII));
        byte[] data = request.toByteArray();
        ByteBuffer frame = ByteBuffer.allocate(TTRPC_HEADER + data.length);
        frame.putInt(data.length).putInt(1).put((byte) TTRPC_REQUEST).put((byte) 0).put(data).flip();
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
        ByteBuffer header = readFully(channel, TTRPC_HEADER);
        int length = header.getInt();
        int stream = header.getInt();
        int type = header.get();
        if (type != TTRPC_RESPONSE || stream != 1 || length < 0 || length > 1 << 20) {
            throw new IOException("not a ttrpc response: type " + type + ", stream " + stream + ", length " + length);
        }
        ByteBuffer response = readFully(channel, length);
        byte[] payload = null;
        while (response.hasRemaining()) {
            int tag = response.get() & 0xff;
            if ((tag & 7) != 2) {
                throw new IOException("unexpected field in the ttrpc response: tag " + tag);
            }
            byte[] value = new byte[varint(response)];
            response.get(value);
            if (tag >> 3 == 1 && value.length > 0 && !(value.length == 2 && value[0] == 8 && value[1] == 0)) {
                return false;
            }
            if (tag >> 3 == 2) {
                payload = value;
            }
        }
        // HealthCheckResponse { status = SERVING (1) }.
        return payload != null && payload.length == 2 && payload[0] == 0x08 && payload[1] == 0x01;
    }

    private static void field(ByteArrayOutputStream out, int number, byte[] value) {
        out.write(number << 3 | 2);
        int n = value.length;
        while (n >= 0x80) {
            out.write(n & 0x7f | 0x80);
            n >>>= 7;
        }
        out.write(n);
        out.writeBytes(value);
    }

    private static int varint(ByteBuffer in) {
        int value = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            int b = in.get() & 0xff;
            value |= (b & 0x7f) << shift;
            if (b < 0x80) {
                return value;
            }
        }
        throw new IllegalStateException("varint too long");
    }

    private static ByteBuffer readFully(SocketChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("the agent closed the connection");
            }
        }
        return buffer.flip();
    }
}
