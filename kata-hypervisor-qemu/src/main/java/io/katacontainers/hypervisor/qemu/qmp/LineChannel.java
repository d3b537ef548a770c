package io.katacontainers.hypervisor.qemu.qmp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Newline-framed text over a unix socket, where every read and write has a deadline. A non-blocking channel
 * with a selector gives the deadlines; blocking socket channels have no timeouts.
 */
final class LineChannel implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(8192);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private LineChannel(SocketChannel channel, Selector selector) {
        this.channel = channel;
        this.selector = selector;
    }

    static LineChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        try {
            channel.configureBlocking(false);
            Selector selector = Selector.open();
            return new LineChannel(channel, selector);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * The first connection to {@code listener}, waiting for it until {@code deadline}. A blocking accept(2) that
     * closing the listener ends: the deadline closes it, and so may whoever sees the peer's process end.
     */
    static LineChannel accept(ServerSocketChannel listener, Instant deadline) throws IOException,
            QmpTimeoutException {
        long millis = Duration.between(Instant.now(), deadline).toMillis();
        if (millis <= 0) {
            throw new QmpTimeoutException("nobody connected before the deadline");
        }
        listener.configureBlocking(true);
        AtomicBoolean late = new AtomicBoolean();
        CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS).execute(() -> {
            late.set(true);
            try {
                listener.close();
            } catch (IOException e) {
                System.getLogger(LineChannel.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot close the QMP listener at its deadline: {0}", e.getMessage());
            }
        });
        SocketChannel channel;
        try {
            channel = listener.accept();
        } catch (AsynchronousCloseException e) {
            if (late.get()) {
                throw new QmpTimeoutException("nobody connected before the deadline");
            }
            throw e;
        }
        try {
            channel.configureBlocking(false);
            return new LineChannel(channel, Selector.open());
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    void writeLine(String line, Instant deadline) throws IOException, QmpTimeoutException {
        ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                await(SelectionKey.OP_WRITE, deadline);
            }
        }
    }

    /** The next line without its newline; {@link java.io.EOFException} when the peer closed the connection. */
    String readLine(Instant deadline) throws IOException, QmpTimeoutException {
        while (true) {
            String line = takeLine();
            if (line != null) {
                return line;
            }
            readBuffer.clear();
            int n = channel.read(readBuffer);
            if (n < 0) {
                throw new java.io.EOFException("connection closed by peer");
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, deadline);
            } else {
                pending.write(readBuffer.array(), 0, n);
            }
        }
    }

    private String takeLine() {
        byte[] bytes = pending.toByteArray();
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                pending.reset();
                pending.write(bytes, i + 1, bytes.length - i - 1);
                return new String(bytes, 0, i, StandardCharsets.UTF_8).stripTrailing();
            }
        }
        return null;
    }

    private void await(int operation, Instant deadline) throws IOException, QmpTimeoutException {
        long millis = Duration.between(Instant.now(), deadline).toMillis();
        if (millis <= 0) {
            throw new QmpTimeoutException("no answer before the deadline");
        }
        SelectionKey key = channel.register(selector, operation);
        try {
            selector.select(millis);
        } finally {
            key.interestOps(0);
            selector.selectedKeys().clear();
        }
    }

    @Override
    public void close() throws IOException {
        try (selector) {
            channel.close();
        }
    }
}
