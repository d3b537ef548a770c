package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** The host side of hybrid vsock, as the runtime uses it: a plain unix stream socket client. */
final class HostClient {
    /** A thread per transfer: the common pool may have one thread on a small machine, and a writer blocks. */
    private static final Executor THREAD_PER_TASK =
            task -> Thread.ofPlatform().daemon().name("host-client").start(task);
    private HostClient() {
    }

    static SocketChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return channel;
    }

    static void send(SocketChannel channel, String text) throws IOException {
        channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Reads one line, or returns null at end of stream; fails after 10 s. */
    static String readLine(SocketChannel channel) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            StringBuilder line = new StringBuilder();
            ByteBuffer one = ByteBuffer.allocate(1);
            try {
                while (true) {
                    one.clear();
                    if (channel.read(one) < 0) {
                        return line.isEmpty() ? null : line.toString();
                    }
                    char c = (char) one.get(0);
                    if (c == '\n') {
                        return line.toString();
                    }
                    line.append(c);
                }
            } catch (IOException e) {
                return null;
            }
        }, THREAD_PER_TASK).get(10, TimeUnit.SECONDS);
    }

    /** Writes all of {@code data} on another thread. */
    static CompletableFuture<Void> writeAll(SocketChannel channel, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, THREAD_PER_TASK);
    }

    /** Reads {@code length} bytes (fewer at end of stream) on another thread. */
    static CompletableFuture<byte[]> readAll(SocketChannel channel, int length) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(length);
                while (b.hasRemaining() && channel.read(b) >= 0) {
                    // keep reading
                }
                return b.array();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, THREAD_PER_TASK);
    }
}
