package io.katacontainers.hypervisor.qemu.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A QMP (QEMU Machine Protocol) client on QEMU's unix socket.
 * <p>
 * One command is in flight at a time: callers queue on a lock, so two concurrent shutdowns cannot interleave
 * their commands and answers on the socket (the bug that made Kata leak QEMU processes). Each command carries
 * an {@code id} that QEMU echoes; an answer with another id is a late answer to a command that timed out, and
 * is dropped. Asynchronous events are logged and otherwise ignored. Every call has a deadline, lock wait included.
 */
public final class QmpClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(QmpClient.class.getName());

    private final ObjectMapper json = new ObjectMapper();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<String, Long> commandCounts = new ConcurrentHashMap<>();
    private final LineChannel channel;
    private final String qemuVersion;

    private QmpClient(LineChannel channel, String qemuVersion) {
        this.channel = channel;
        this.qemuVersion = qemuVersion;
    }

    /** Connects, reads QEMU's greeting and leaves capabilities negotiation mode, so commands can follow. */
    public static QmpClient connect(Path socket, Instant deadline) throws QmpException {
        LineChannel channel;
        try {
            channel = LineChannel.connect(socket);
        } catch (IOException e) {
            throw new QmpException("cannot connect to QMP socket " + socket + ": " + e.getMessage(), e);
        }
        return handshake(channel, socket, deadline);
    }

    /**
     * Waits for QEMU to connect to {@code listener} (its QMP chardev in client mode, {@code server=off}), then does
     * what {@link #connect} does. No retry: the listener exists before QEMU starts, so QEMU's connect is the event.
     * Closing the listener (QEMU ended) ends the wait.
     */
    public static QmpClient accept(ServerSocketChannel listener, Path socket, Instant deadline)
            throws QmpException {
        LineChannel channel;
        try {
            channel = LineChannel.accept(listener, deadline);
        } catch (IOException e) {
            throw new QmpException("QEMU did not connect to its QMP socket " + socket + ": " + e.getMessage(), e);
        }
        return handshake(channel, socket, deadline);
    }

    private static QmpClient handshake(LineChannel channel, Path socket, Instant deadline) throws QmpException {
        try {
            JsonNode greeting = new ObjectMapper().readTree(channel.readLine(deadline));
            JsonNode version = greeting.path("QMP").path("version").path("qemu");
            if (version.isMissingNode()) {
                throw new QmpException("not a QMP greeting: " + greeting);
            }
            QmpClient client = new QmpClient(channel, version.path("major").asInt() + "." + version.path("minor")
                    .asInt() + "." + version.path("micro").asInt());
            client.execute("qmp_capabilities", Duration.between(Instant.now(), deadline));
            return client;
        } catch (IOException | QmpException | RuntimeException e) {
            closeAfterFailure(channel, e);
            throw new QmpException("QMP handshake on " + socket + " failed: " + e.getMessage(), e);
        }
    }

    /** The version QEMU announced in its greeting, e.g. {@code 7.2.22}. */
    public String qemuVersion() {
        return qemuVersion;
    }

    public JsonNode execute(String command, Duration timeout) throws QmpException {
        return execute(command, Map.of(), timeout);
    }

    /** Runs one command and returns its {@code return} value. */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) throws QmpException {
        Instant deadline = Instant.now().plus(timeout);
        try {
            if (!lock.tryLock(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS)) {
                throw new QmpTimeoutException(command + ": another QMP command still runs after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException(command + ": interrupted while waiting for the QMP connection", e);
        }
        try {
            String id = "kata-" + nextId.getAndIncrement();
            ObjectNode request = json.createObjectNode().put("execute", command).put("id", id);
            if (!arguments.isEmpty()) {
                request.set("arguments", json.valueToTree(arguments));
            }
            commandCounts.merge(command, 1L, Long::sum);
            LOG.log(System.Logger.Level.DEBUG, () -> "QMP -> " + request);
            channel.writeLine(json.writeValueAsString(request), deadline);
            return awaitAnswer(command, id, deadline);
        } catch (QmpTimeoutException e) {
            throw new QmpTimeoutException(command + ": QEMU did not answer within " + timeout);
        } catch (IOException e) {
            throw new QmpDisconnectedException(command + ": QMP connection lost: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private JsonNode awaitAnswer(String command, String id, Instant deadline) throws IOException, QmpException {
        while (true) {
            String line = channel.readLine(deadline);
            JsonNode message = parse(line);
            if (message.has("event")) {
                LOG.log(System.Logger.Level.DEBUG, () -> "QMP event " + message.path("event").asText() + " "
                        + message.path("data"));
            } else if (!message.path("id").asText().equals(id)) {
                LOG.log(System.Logger.Level.DEBUG, () -> "QMP dropping a late or unrelated answer: " + line);
            } else if (message.has("error")) {
                JsonNode error = message.get("error");
                throw new QmpException(command + " failed: " + error.path("class").asText() + ": "
                        + error.path("desc").asText());
            } else if (message.has("return")) {
                LOG.log(System.Logger.Level.DEBUG, () -> "QMP <- " + line);
                return message.get("return");
            } else {
                throw new QmpException(command + ": malformed QMP answer: " + line);
            }
        }
    }

    private JsonNode parse(String line) throws QmpException {
        try {
            return json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new QmpException("QMP sent invalid JSON: " + line, e);
        }
    }

    public QmpStatus queryStatus(Duration timeout) throws QmpException {
        JsonNode answer = execute("query-status", timeout);
        return new QmpStatus(answer.path("status").asText(), answer.path("running").asBoolean());
    }

    /** Pauses the vCPUs. */
    public void stop(Duration timeout) throws QmpException {
        execute("stop", timeout);
    }

    /** Resumes the vCPUs. */
    public void cont(Duration timeout) throws QmpException {
        execute("cont", timeout);
    }

    /** Presses the ACPI power button; only a guest with ACPI (q35) reacts. */
    public void systemPowerdown(Duration timeout) throws QmpException {
        execute("system_powerdown", timeout);
    }

    /**
     * Ends QEMU at once. QEMU may close the connection before its answer arrives; that counts as success,
     * since the caller waits for the process to exit anyway.
     */
    public void quit(Duration timeout) throws QmpException {
        try {
            execute("quit", timeout);
        } catch (QmpDisconnectedException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "QMP closed during quit, as QEMU may: " + e.getMessage());
        }
    }

    /** How many times each command was sent, for diagnostics and tests. */
    public Map<String, Long> commandCounts() {
        return Map.copyOf(commandCounts);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void closeAfterFailure(LineChannel channel, Exception failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
