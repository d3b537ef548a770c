package io.katacontainers.hypervisor.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** QMP framing and semantics against a scripted fake QEMU on a unix socket. */
class QmpClientTest {
    private static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
            + "\"major\": 7}, \"package\": \"Debian\"}, \"capabilities\": [\"oob\"]}}";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final ExecutorService peer = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopPeer() {
        peer.shutdownNow();
    }

    /** One side of a fake QEMU connection. */
    private final class Peer {
        final BufferedReader in;
        final OutputStream out;

        Peer(SocketChannel channel) {
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            out = Channels.newOutputStream(channel);
        }

        JsonNode read() throws IOException {
            String line = in.readLine();
            return line == null ? null : json.readTree(line);
        }

        void send(String line) throws IOException {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Reads a command, checks its name, answers with {@code return}; gives back the command. */
        JsonNode answer(String command, String returnJson) throws IOException {
            JsonNode request = read();
            assertEquals(command, request.path("execute").asText(), request::toString);
            send("{\"return\": " + returnJson + ", \"id\": \"" + request.path("id").asText() + "\"}");
            return request;
        }
    }

    private interface Script {
        void run(Peer peer) throws Exception;
    }

    /** Serves one connection with the greeting and capabilities negotiation done, then the script. */
    private Path serve(Script script) throws IOException {
        Path socket = dir.resolve("qmp.sock");
        ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        peer.submit(() -> {
            try (server; SocketChannel channel = server.accept()) {
                Peer p = new Peer(channel);
                p.send(GREETING);
                p.answer("qmp_capabilities", "{}");
                script.run(p);
            }
            return null;
        });
        return socket;
    }

    private static Instant deadline() {
        return Instant.now().plus(TIMEOUT);
    }

    @Test
    void acceptWaitsForQemuToConnectAndAClosedListenerEndsTheWait() throws Exception {
        Path socket = dir.resolve("listen.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            // QEMU in client mode (server=off): it connects when it starts, which may be late.
            peer.submit(() -> {
                try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    Peer p = new Peer(channel);
                    p.send(GREETING);
                    p.answer("qmp_capabilities", "{}");
                    p.read();
                }
                return null;
            });
            try (QmpClient client = QmpClient.accept(listener, socket, deadline())) {
                assertEquals("7.2.22", client.qemuVersion());
            }
        }
        try (ServerSocketChannel listener = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(dir.resolve("never.sock")));
            // Nobody connects; the listener's close (QEMU's exit, in the driver) ends the wait long before the
            // deadline.
            peer.submit(() -> {
                Thread.onSpinWait();
                listener.close();
                return null;
            });
            long start = System.nanoTime();
            assertThrows(QmpException.class, () -> QmpClient.accept(listener, socket,
                    Instant.now().plusSeconds(60)));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos(), "woken by the close");
        }
        try (ServerSocketChannel listener = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(dir.resolve("late.sock")));
            assertThrows(QmpTimeoutException.class, () -> QmpClient.accept(listener, socket,
                    Instant.now().plusMillis(300)), "the deadline ends the wait");
        }
    }

    @Test
    void handshakeThenStatusWithAnEventInBetween() throws Exception {
        Path socket = serve(p -> {
            JsonNode request = p.read();
            assertEquals("query-status", request.path("execute").asText());
            p.send("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}");
            p.send("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": \""
                    + request.path("id").asText() + "\"}");
            p.read();
        });
        try (QmpClient client = QmpClient.connect(socket, deadline())) {
            assertEquals("7.2.22", client.qemuVersion());
            assertEquals(new QmpStatus("running", true), client.queryStatus(TIMEOUT));
            assertEquals(1L, client.commandCounts().get("qmp_capabilities"));
            assertEquals(1L, client.commandCounts().get("query-status"));
        }
    }

    @Test
    void argumentsAreSentUnderArguments() throws Exception {
        CompletableFuture<JsonNode> seen = new CompletableFuture<>();
        Path socket = serve(p -> seen.complete(p.answer("human-monitor-command", "\"ok\"")));
        try (QmpClient client = QmpClient.connect(socket, deadline())) {
            JsonNode answer = client.execute("human-monitor-command",
                    java.util.Map.of("command-line", "info version"), TIMEOUT);
            assertEquals("ok", answer.asText());
        }
        assertEquals("info version", seen.get(5, TimeUnit.SECONDS).path("arguments").path("command-line").asText());
    }

    @Test
    void errorAnswerBecomesAnExceptionWithClassAndDescription() throws Exception {
        Path socket = serve(p -> {
            JsonNode request = p.read();
            p.send("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command nope has not been found\"},"
                    + " \"id\": \"" + request.path("id").asText() + "\"}");
            p.read();
        });
        try (QmpClient client = QmpClient.connect(socket, deadline())) {
            QmpException e = assertThrows(QmpException.class, () -> client.execute("nope", TIMEOUT));
            assertTrue(e.getMessage().contains("CommandNotFound"), e::getMessage);
            assertTrue(e.getMessage().contains("has not been found"), e::getMessage);
        }
    }

    @Test
    void lateAnswerOfATimedOutCommandIsDroppedByItsId() throws Exception {
        Path socket = serve(p -> {
            JsonNode slow = p.read();
            JsonNode next = p.read();
            // The answer to the first command arrives after the client gave up on it.
            p.send("{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": \""
                    + slow.path("id").asText() + "\"}");
            p.send("{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": \""
                    + next.path("id").asText() + "\"}");
            p.read();
        });
        try (QmpClient client = QmpClient.connect(socket, deadline())) {
            assertThrows(QmpTimeoutException.class, () -> client.queryStatus(Duration.ofMillis(200)));
            assertEquals(new QmpStatus("running", true), client.queryStatus(TIMEOUT));
        }
    }

    @Test
    void quitSucceedsWhenQemuClosesWithoutAnswering() throws Exception {
        Path socket = serve(p -> assertEquals("quit", p.read().path("execute").asText()));
        try (QmpClient client = QmpClient.connect(socket, deadline())) {
            client.quit(TIMEOUT);
            assertEquals(1L, client.commandCounts().get("quit"));
        }
    }

    @Test
    void otherCommandsReportADisconnect() throws Exception {
        Path socket = serve(p -> p.read());
        try (QmpClient client = QmpClient.connect(socket, deadline())) {
            assertThrows(QmpDisconnectedException.class, () -> client.stop(TIMEOUT));
        }
    }

    @Test
    void notQmpIsRefused() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        peer.submit(() -> {
            try (server; SocketChannel channel = server.accept()) {
                new Peer(channel).send("{\"hello\": 1}");
                channel.read(java.nio.ByteBuffer.allocate(1));
            }
            return null;
        });
        QmpException e = assertThrows(QmpException.class, () -> QmpClient.connect(socket, deadline()));
        assertTrue(e.getMessage().contains("not a QMP greeting"), e::getMessage);
    }

    @Test
    void silentPeerTimesOutTheHandshake() throws Exception {
        Path socket = dir.resolve("qmp.sock");
        ServerSocketChannel server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        try (server) {
            long start = System.nanoTime();
            assertThrows(QmpException.class, () -> QmpClient.connect(socket, Instant.now().plusMillis(300)));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
        }
    }

    @Test
    void concurrentCallersNeverInterleaveOnTheSocket() throws Exception {
        int callers = 8;
        AtomicBoolean interleaved = new AtomicBoolean();
        List<String> ids = new CopyOnWriteArrayList<>();
        Path socket = serve(p -> {
            for (int i = 0; i < callers; i++) {
                JsonNode request = p.read();
                // With the client's lock, nothing else can arrive before this command is answered.
                Thread.sleep(20);
                if (p.in.ready()) {
                    interleaved.set(true);
                }
                ids.add(request.path("id").asText());
                p.send("{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": \""
                        + request.path("id").asText() + "\"}");
            }
            p.read();
        });
        try (QmpClient client = QmpClient.connect(socket, deadline());
             ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            List<Future<QmpStatus>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> client.queryStatus(TIMEOUT)));
            }
            for (Future<QmpStatus> result : results) {
                assertEquals(new QmpStatus("running", true), result.get(10, TimeUnit.SECONDS));
            }
        }
        assertFalse(interleaved.get(), "a second command arrived before the first was answered");
        assertEquals(callers, ids.stream().distinct().count());
    }
}
