package io.katacontainers.packaging.e2e;

import io.katacontainers.packaging.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code debug_console_enabled}: while {@code kata-runtime run} keeps a container (and so its VM) running,
 * {@code kata-runtime debug-console} gets a shell in the guest (over its virtio-serial port here: this host has no
 * vsock) that runs {@code uname -r} and answers the guest kernel's release, the one the container sees. The same
 * run's log (Kata's text lines, {@code --log}) carries the agent's lines with {@code source=agent} and the sandbox
 * id. Nothing is left behind.
 */
class DebugConsoleEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(240);

    @TempDir
    Path work;

    @BeforeAll
    static void locate() {
        Sandboxes.requireBuiltTree();
    }

    /** Lines of a stream, to wait on one at a time. */
    private static BlockingQueue<String> lines(InputStream in, String name) {
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name(name).start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    queue.add(line);
                }
            } catch (IOException e) {
                queue.add("<read failed: " + e.getMessage() + ">");
            }
        });
        return queue;
    }

    /** The text after {@code prefix} on the first line that has it, waiting until {@code deadline}. */
    private static String await(BlockingQueue<String> lines, String prefix, Instant deadline, List<String> seen)
            throws InterruptedException {
        while (Instant.now().isBefore(deadline)) {
            String line = lines.poll(Duration.between(Instant.now(), deadline).toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                break;
            }
            seen.add(line);
            int at = line.indexOf(prefix);
            if (at >= 0) {
                return line.substring(at + prefix.length()).strip();
            }
        }
        return fail("no line with '" + prefix + "' before the deadline; seen: " + seen);
    }

    @Test
    void theDebugConsoleRunsUnameInTheGuestOfARunningSandbox() throws Exception {
        String config = Sandboxes.shippedConfigForSlowGuests();
        assertTrue(config.contains("\ndebug_console_enabled = false\n"), "the shipped file has no debug console key");
        Path configFile = Files.writeString(work.resolve("configuration.toml"),
                config.replace("\ndebug_console_enabled = false\n", "\ndebug_console_enabled = true\n"));
        String id = "obs12-console-" + UUID.randomUUID().toString().substring(0, 8);
        Path bundle = Sandboxes.bundle(work, "sh", "-c", "echo guest=$(uname -r); read line; echo bye");
        Path log = work.resolve("run.log");
        String runtime = Sandboxes.DIST.resolve("bin/kata-runtime").toString();
        Instant deadline = Instant.now().plus(TIMEOUT);

        Process run = new ProcessBuilder(runtime, "--config", configFile.toString(), "--log", log.toString(),
                "--log-level", "info", "run", "--bundle", bundle.toString(), id)
                .redirectError(work.resolve("run.stderr").toFile()).start();
        Process console = null;
        try {
            List<String> runSeen = new ArrayList<>();
            String containerRelease = await(lines(run.getInputStream(), "run stdout"), "guest=", deadline, runSeen);

            console = new ProcessBuilder(runtime, "debug-console", id)
                    .redirectError(work.resolve("console.stderr").toFile()).start();
            OutputStream shell = console.getOutputStream();
            shell.write("echo release=$(uname -r)\n".getBytes(StandardCharsets.UTF_8));
            shell.flush();
            List<String> consoleSeen = new ArrayList<>();
            String consoleRelease = await(lines(console.getInputStream(), "console stdout"), "release=", deadline,
                    consoleSeen);
            assertEquals(containerRelease, consoleRelease, "the console's shell runs in the guest: " + consoleSeen);
            String host = Command.run(work, Map.of(), false, TIMEOUT, List.of("uname", "-r")).stdout().strip();
            assertNotEquals(host, consoleRelease, "the guest's kernel is not the host's");
            shell.write("exit\n".getBytes(StandardCharsets.UTF_8));
            shell.close();
            assertTrue(console.waitFor(60, TimeUnit.SECONDS), "debug-console did not end with its input");
            assertEquals(0, console.exitValue(), Files.readString(work.resolve("console.stderr")));

            run.getOutputStream().write("done\n".getBytes(StandardCharsets.UTF_8));
            run.getOutputStream().close();
            assertTrue(run.waitFor(Duration.between(Instant.now(), deadline).toSeconds(), TimeUnit.SECONDS),
                    "kata-runtime run did not end");
            assertEquals(0, run.exitValue(), Files.readString(work.resolve("run.stderr")));
        } finally {
            if (console != null) {
                console.destroyForcibly().waitFor();
            }
            if (run.isAlive()) {
                run.destroy();
                if (!run.waitFor(60, TimeUnit.SECONDS)) {
                    run.destroyForcibly().waitFor();
                }
            }
        }
        Sandboxes.assertNothingLeft(id);
        String logged = Files.readString(log);
        assertTrue(logged.contains("source=agent sandbox=" + id + " name=Agent msg=\"agent ready"),
                "the agent's lines reach the runtime's log with their source and sandbox id:\n" + logged);
        assertTrue(logged.contains("source=agent sandbox=" + id + " name=DebugConsole msg=\"debug console on"),
                logged);

        Command noConsole = Command.run(work, Map.of(), false, TIMEOUT, List.of(runtime, "debug-console", id));
        assertEquals(1, noConsole.exitCode(), noConsole.toString());
        assertTrue(noConsole.stderr().contains("no sandbox " + id), noConsole.toString());
    }
}
