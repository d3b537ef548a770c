package io.katacontainers.runtime.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An HTTP GET over a unix socket (a shim's {@code shim-monitor.sock}), bounded in time and size. */
public final class HttpGet {
    private static final int MAX_RESPONSE = 32 * 1024 * 1024;

    private HttpGet() {
    }

    /** An answer: the status and the body. */
    public record Result(int status, String body) {
    }

    /**
     * GETs {@code target} (path and query) from the server on {@code socket}.
     *
     * @throws IOException if it cannot connect, the answer is not HTTP, or none came within {@code timeout}
     */
    public static Result unix(Path socket, String target, Duration timeout) throws IOException, InterruptedException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        var exchange = new FutureTask<>(() -> exchange(channel, socket, target));
        Thread.ofVirtual().name("http-get").start(exchange);
        try {
            return exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("no answer from " + socket + " within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("GET " + target + " from " + socket + " failed: " + e.getCause(), e.getCause());
        } finally {
            // Unblocks the exchange when it timed out; a no-op when it finished.
            channel.close();
        }
    }

    private static Result exchange(SocketChannel channel, Path socket, String target) throws IOException {
        channel.connect(UnixDomainSocketAddress.of(socket));
        String request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        HttpEndpoint.writeFully(channel, ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        var response = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (channel.read(buffer.clear()) >= 0) {
            response.write(buffer.array(), 0, buffer.position());
            if (response.size() > MAX_RESPONSE) {
                throw new IOException(socket + " answered more than " + MAX_RESPONSE + " bytes");
            }
        }
        String text = response.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || end < 0) {
            throw new IOException(socket + " did not answer HTTP: " + text.lines().findFirst().orElse("(nothing)"));
        }
        int status = Integer.parseInt(text.substring(9, 12));
        return new Result(status, text.substring(end + 4));
    }
}
