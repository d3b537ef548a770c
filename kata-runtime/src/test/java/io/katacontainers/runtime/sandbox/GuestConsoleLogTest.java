package io.katacontainers.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest console follower: the agent's lines (the agent's own LineLogger format) come out with their level and
 * logger, the kernel's as console lines, and a VM that stops on its own is reported once with the panic and the
 * console tail, but not when the sandbox asked it to stop.
 */
class GuestConsoleLogTest {
    private static final long WAIT_SECONDS = 10;

    @TempDir
    Path dir;

    /** Collects what the follower reports, to wait on. */
    private static final class Collected implements GuestConsoleLog.Sink {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

        @Override
        public void agent(GuestConsoleLog.AgentLine line) {
            events.add(line);
        }

        @Override
        public void console(String line) {
            events.add(line);
        }

        @Override
        public void vmEnded(String reason, Optional<String> panic, String tail) {
            events.add(new Ended(reason, panic, tail));
        }

        Object next() throws InterruptedException {
            Object event = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(event, "nothing reported within " + WAIT_SECONDS + " s");
            return event;
        }
    }

    private record Ended(String reason, Optional<String> panic, String tail) {
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void theAgentsLinesAreParsedAndOthersAreNot() {
        var line = GuestConsoleLog.parseAgentLine(
                "2026-12-07T21:30:01.123456Z WARNING GuestSandbox: container c1: \"oom\" {0}").orElseThrow();
        assertEquals(Instant.parse("2026-12-07T21:30:01.123456Z"), line.time());
        assertEquals(System.Logger.Level.WARNING, line.level());
        assertEquals("GuestSandbox", line.name());
        assertEquals("container c1: \"oom\" {0}", line.message());
        assertTrue(GuestConsoleLog.parseAgentLine("[    0.512345] virtio-fs: tag <kataShared>").isEmpty());
        assertTrue(GuestConsoleLog.parseAgentLine("2026-12-07T21:30:01Z LOUD X: y").isEmpty());
    }

    @Test
    void linesAreFollowedAsTheyComeAndAnUnaskedEndIsReportedWithThePanic() throws Exception {
        Path console = dir.resolve("console.log");
        var ended = new AtomicReference<Optional<String>>(Optional.empty());
        var sink = new Collected();
        try (var follower = GuestConsoleLog.follow("sb1", console, ended::get, sink)) {
            // The VMM creates the file after the follower started; lines end in CRLF on a serial console.
            append(console, "[    0.100000] Linux version 6.1\r\n2026-12-07T21:30:01Z INFO Agent: agent ready"
                    + " (pid 1)\r\n2026-12-07T21:30:02Z ERR");
            assertEquals("[    0.100000] Linux version 6.1", sink.next());
            var ready = (GuestConsoleLog.AgentLine) sink.next();
            assertEquals(System.Logger.Level.INFO, ready.level());
            assertEquals("agent ready (pid 1)", ready.message());
            append(console, "OR Main: kata-agent failed\n[    3.0] Kernel panic - not syncing: Attempted to kill "
                    + "init! exitcode=0x00000100\n");
            var failed = (GuestConsoleLog.AgentLine) sink.next();
            assertEquals(System.Logger.Level.ERROR, failed.level(), "a line split across reads is one line");
            assertEquals("Main", failed.name());
            assertTrue(((String) sink.next()).contains("Kernel panic"));
            ended.set(Optional.of("guest reset"));
            Ended end = (Ended) sink.next();
            assertEquals("guest reset", end.reason());
            assertEquals(Optional.of("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100"),
                    end.panic());
            assertTrue(end.tail().startsWith("[    0.100000] Linux version 6.1\n"), end.tail());
            assertTrue(end.tail().contains("kata-agent failed"), end.tail());
        }
        assertNull(sink.events.poll(), "the end is reported once");
    }

    @Test
    void anEndTheSandboxAskedForIsNotReported() throws Exception {
        Path console = dir.resolve("console.log");
        var ended = new AtomicReference<Optional<String>>(Optional.empty());
        var sink = new Collected();
        var follower = GuestConsoleLog.follow("sb1", console, ended::get, sink);
        append(console, "2026-12-07T21:30:01Z INFO Agent: sandbox destroyed, agent stops\n");
        assertEquals("sandbox destroyed, agent stops", ((GuestConsoleLog.AgentLine) sink.next()).message());
        follower.expectEnd();
        ended.set(Optional.of("the VMM ended"));
        append(console, "reboot: Restarting system\n");
        follower.close();
        assertEquals("reboot: Restarting system", sink.events.poll(), "what was left is read at close");
        assertNull(sink.events.poll(), "no end reported");
    }

    @Test
    void theDebugConsoleAddressRoundTrips() throws Exception {
        for (AgentEndpoint endpoint : new AgentEndpoint[] {
            new AgentEndpoint.VirtioSerial(Path.of("/run/vc/sbs/x/port-1026.sock")),
            new AgentEndpoint.HybridVsock(Path.of("/run/vc/sbs/x/kata.hvsock"), 1026),
            new AgentEndpoint.Vsock(12345, 1026)}) {
            Path sandbox = Files.createDirectories(dir.resolve("sb" + endpoint.hashCode()));
            assertEquals(Optional.empty(), DebugConsoleAddress.read(sandbox), "no console: no file");
            DebugConsoleAddress.write(sandbox, endpoint);
            assertEquals(Optional.of(endpoint), DebugConsoleAddress.read(sandbox));
        }
    }
}
