package io.katacontainers.runtime.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A minimal HTTP/1.1 server for GET requests on a listening channel (a unix socket or TCP): one virtual thread
 * accepts, one per connection answers (the work blocks only in JDK I/O), every answer closes its connection.
 * Enough for Prometheus and for the monitor's scrapes of the shims; nothing else is meant to talk to it.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HttpEndpoint.class.getName());
    private static final int MAX_REQUEST = 16 * 1024;

    /** A request: its path and its query parameters (decoded). */
    public record Request(String path, Map<String, String> query) {
        public Optional<String> param(String name) {
            return Optional.ofNullable(query.get(name));
        }
    }

    /** An answer. */
    public record Response(int status, String contentType, byte[] body) {
        public static Response text(int status, String text) {
            return new Response(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Answers the requests of one path. */
    @FunctionalInterface
    public interface Route {
        Response answer(Request request) throws Exception;
    }

    private final ServerSocketChannel listener;
    private final Map<String, Route> routes;
    private final String name;

    private HttpEndpoint(ServerSocketChannel listener, Map<String, Route> routes, String name) {
        this.listener = listener;
        this.routes = Map.copyOf(routes);
        this.name = name;
    }

    /** Serves {@code routes} on {@code listener} until {@link #close}. */
    public static HttpEndpoint serve(ServerSocketChannel listener, Map<String, Route> routes, String name) {
        var endpoint = new HttpEndpoint(listener, routes, name);
        Thread.ofVirtual().name(name + "-accept").start(endpoint::acceptLoop);
        return endpoint;
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel connection;
            try {
                connection = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "{0}: accept failed: {1}", name, e.getMessage());
                return;
            }
            Thread.ofVirtual().name(name + "-request").start(() -> answer(connection));
        }
    }

    private void answer(SocketChannel connection) {
        try (connection) {
            Response response = respond(readHead(connection));
            String head = "HTTP/1.1 " + response.status() + " " + reason(response.status()) + "\r\n"
                    + "Content-Type: " + response.contentType() + "\r\n"
                    + "Content-Length: " + response.body().length + "\r\n"
                    + "Connection: close\r\n\r\n";
            writeFully(connection, ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            writeFully(connection, ByteBuffer.wrap(response.body()));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: a client went away: {1}", name, e.getMessage());
        }
    }

    private Response respond(String head) {
        String requestLine = head.lines().findFirst().orElse("");
        String[] parts = requestLine.split(" ");
        if (parts.length < 2) {
            return Response.text(400, "bad request\n");
        }
        if (!parts[0].equals("GET")) {
            return Response.text(405, "only GET is served\n");
        }
        String target = parts[1];
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        Map<String, String> query = new LinkedHashMap<>();
        if (question >= 0) {
            for (String pair : target.substring(question + 1).split("&")) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                query.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value,
                        StandardCharsets.UTF_8));
            }
        }
        Route route = routes.get(path);
        if (route == null) {
            return Response.text(404, "no such endpoint: " + path + " (served: " + routes.keySet() + ")\n");
        }
        try {
            return route.answer(new Request(path, query));
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} failed: {2}", name, path, e.toString());
            return Response.text(500, path + " failed: " + e.getMessage() + "\n");
        }
    }

    private static String readHead(SocketChannel connection) throws IOException {
        var head = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        while (head.size() < MAX_REQUEST) {
            buffer.clear();
            if (connection.read(buffer) < 0) {
                break;
            }
            head.write(buffer.array(), 0, buffer.position());
            if (head.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 503 -> "Service Unavailable";
            default -> "Internal Server Error";
        };
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: closing the listener failed: {1}", name, e.getMessage());
        }
    }
}
