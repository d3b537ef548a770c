package io.katacontainers.runtime.sandbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.ResourceBundle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows the guest console the hypervisor driver writes (QEMU's and the built-in VMM's {@code console.log}) and
 * puts what the guest said into the shim's log, as Kata's runtime does with the agent's log lines: each line of the
 * agent ({@code <time> <LEVEL> <Class>: <message>}) at its own level with {@code source=agent} and the sandbox id,
 * other console lines (the kernel's) at debug level. When the VM stops on its own (the agent died, the kernel
 * panicked and rebooted), that is logged as an error with the console's last lines; a kernel panic is named.
 *
 * <p>The guest console is a file that only grows, written by another process (QEMU) or by vCPU threads: it is read
 * from where the last read stopped every {@value #POLL_MILLIS} ms, on one platform thread per sandbox.
 */
public final class GuestConsoleLog implements AutoCloseable {
    /** The logger the agent's lines go to; {@code Logging} prints its records with {@code source=agent}. */
    public static final String AGENT_LOGGER = "kata-agent";
    private static final System.Logger CONSOLE = System.getLogger("kata-guest-console");
    private static final System.Logger LOG = System.getLogger(GuestConsoleLog.class.getName());
    private static final Pattern AGENT_LINE = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z) (TRACE|DEBUG|INFO|WARNING|ERROR) ([\\w$.-]+): (.*)$");
    private static final String PANIC = "Kernel panic - not syncing";
    private static final long POLL_MILLIS = 100;
    private static final int TAIL_LINES = 30;
    private static final int MAX_LINE = 16 * 1024;

    /** What the follower reports; the production sink logs, tests collect. */
    interface Sink {
        /** One line of the agent, at its level. */
        void agent(AgentLine line);

        /** Any other console line (kernel messages, the init script). */
        void console(String line);

        /** The VM stopped without being asked to: why, the panic line if the kernel panicked, the console tail. */
        void vmEnded(String reason, Optional<String> panic, String tail);
    }

    /**
     * One parsed line of the agent.
     *
     * @param time when the agent logged it (guest clock)
     * @param level the agent's level
     * @param name the agent's logger (its class's simple name)
     * @param message the message
     */
    record AgentLine(Instant time, System.Logger.Level level, String name, String message) {
    }

    private final String sandboxId;
    private final Path file;
    private final Supplier<Optional<String>> vmEnded;
    private final Sink sink;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Deque<String> tail = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();
    private final Thread thread;
    private volatile boolean endExpected;
    private Optional<String> panic = Optional.empty();
    private long position;

    private GuestConsoleLog(String sandboxId, Path file, Supplier<Optional<String>> vmEnded, Sink sink) {
        this.sandboxId = sandboxId;
        this.file = file;
        this.vmEnded = vmEnded;
        this.sink = sink;
        this.thread = Thread.ofPlatform().daemon().name("guest-console:" + sandboxId).unstarted(this::run);
    }

    /**
     * Starts following {@code file}.
     *
     * @param vmEnded why the VM stopped once it has (empty while it runs)
     */
    static GuestConsoleLog follow(String sandboxId, Path file, Supplier<Optional<String>> vmEnded) {
        return follow(sandboxId, file, vmEnded, new LoggingSink(sandboxId));
    }

    static GuestConsoleLog follow(String sandboxId, Path file, Supplier<Optional<String>> vmEnded, Sink sink) {
        var log = new GuestConsoleLog(sandboxId, file, vmEnded, sink);
        log.thread.start();
        return log;
    }

    /** The sandbox is being shut down: the VM's end from now on is not news. */
    void expectEnd() {
        endExpected = true;
    }

    /** Reads what is left and stops following. */
    @Override
    public void close() {
        endExpected = true;
        stop.countDown();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            boolean stopping = false;
            while (!stopping) {
                stopping = stop.await(POLL_MILLIS, TimeUnit.MILLISECONDS);
                readNew();
                Optional<String> ended = endExpected ? Optional.empty() : vmEnded.get();
                if (ended.isPresent()) {
                    readNew(); // what the guest printed last, e.g. the end of a panic
                    flushPartial();
                    sink.vmEnded(ended.get(), panic, String.join("\n", tail));
                    return;
                }
            }
            flushPartial();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "following the guest console of sandbox " + sandboxId
                    + " stopped: " + e.getMessage(), e);
        }
    }

    private void readNew() {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            channel.position(position);
            int read;
            while ((read = channel.read(buffer)) > 0) {
                position += read;
                buffer.flip();
                feed(StandardCharsets.UTF_8.decode(buffer));
                buffer.clear();
            }
        } catch (NoSuchFileException e) {
            // the VMM has not created it yet
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "reading " + file + ": " + e.getMessage());
        }
    }

    private void feed(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line(partial.toString());
                partial.setLength(0);
            } else if (c != '\r' && partial.length() < MAX_LINE) {
                partial.append(c);
            }
        }
    }

    private void flushPartial() {
        if (!partial.isEmpty()) {
            line(partial.toString());
            partial.setLength(0);
        }
    }

    private void line(String line) {
        if (line.isBlank()) {
            return;
        }
        tail.addLast(line);
        if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
        }
        if (line.contains(PANIC) && panic.isEmpty()) {
            panic = Optional.of(line.substring(line.indexOf(PANIC)));
        }
        Optional<AgentLine> agent = parseAgentLine(line);
        if (agent.isPresent()) {
            sink.agent(agent.get());
        } else {
            sink.console(line);
        }
    }

    /** The agent's line format ({@code io.katacontainers.agent.log.LineLogger}); empty for any other line. */
    static Optional<AgentLine> parseAgentLine(String line) {
        Matcher m = AGENT_LINE.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new AgentLine(Instant.parse(m.group(1)), System.Logger.Level.valueOf(m.group(2)),
                    m.group(3), m.group(4)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The shim's log: agent lines on {@value #AGENT_LOGGER} (time, sandbox id and logger as parameters). */
    private record LoggingSink(String sandboxId) implements Sink {
        private static final System.Logger AGENT = System.getLogger(AGENT_LOGGER);

        @Override
        public void agent(AgentLine line) {
            // Parameters, not a format: Logging prints them as fields and the message as it came.
            AGENT.log(line.level(), (ResourceBundle) null, line.message(),
                    (Object) sandboxId, line.name(), line.time());
        }

        @Override
        public void console(String line) {
            CONSOLE.log(System.Logger.Level.DEBUG, () -> "sandbox " + sandboxId + " guest console: " + line);
        }

        @Override
        public void vmEnded(String reason, Optional<String> panic, String tail) {
            LOG.log(System.Logger.Level.ERROR, "the VM of sandbox " + sandboxId + " stopped on its own ("
                    + reason + ")" + panic.map(p -> ": guest kernel panic: " + p).orElse(
                            ": the agent or the guest ended")
                    + "; guest console tail:\n" + tail);
        }
    }
}
