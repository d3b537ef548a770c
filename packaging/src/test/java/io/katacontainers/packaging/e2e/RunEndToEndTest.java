package io.katacontainers.packaging.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kata-runtime run} of a busybox bundle in a real VM: our guest kernel and initrd under QEMU (TCG on hosts
 * without hardware virtualization), our agent, crun inside the guest. Each test boots a VM of its own, and checks
 * as much as one VM can show.
 */
@Order(3)
class RunEndToEndTest {
    private static final long TIMEOUT_SECONDS = 180;
    private static final int CYCLES = Integer.getInteger("kata.run.cycles", 3);
    private static final Path dist = Sandboxes.DIST;

    @TempDir
    Path work;

    @BeforeAll
    static void locate() {
        Sandboxes.requireBuiltTree();
    }

    /** The result of one {@code kata-runtime run}. */
    private record Run(int exitCode, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out() + "\n--- stderr\n" + stderr;
        }
    }

    private Process start(Path bundle, String id) throws IOException {
        return new ProcessBuilder(dist.resolve("bin/kata-runtime").toString(), "run", "--bundle", bundle.toString(),
                id).start();
    }

    private Run finish(Process run, byte[] stdin) throws Exception {
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(run.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(run.getErrorStream()));
        try (OutputStream in = run.getOutputStream()) {
            in.write(stdin);
        }
        if (!run.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            run.destroyForcibly().waitFor();
            throw new AssertionError("kata-runtime run did not finish in " + TIMEOUT_SECONDS + "s; stderr: "
                    + new String(err.get(), StandardCharsets.UTF_8));
        }
        return new Run(run.exitValue(), out.get(), new String(err.get(), StandardCharsets.UTF_8));
    }

    private Run run(String id, byte[] stdin, String... command) throws Exception {
        Run run = finish(start(Sandboxes.bundle(work, command), id), stdin);
        Sandboxes.assertNothingLeft(id);
        return run;
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * One VM for the plain stream checks: stdin is piped through to EOF, the guest kernel's release (not the host's)
     * and 16 MiB of stdout arrive byte-exact and in order, stderr comes back apart, and so does the exit code.
     */
    @Test
    void stdinStdoutStderrAndTheExitCodeComeBackByteExact() throws Exception {
        int size = 16 * 1024 * 1024;
        byte[] input = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
        Run run = run("e2e-streams", input, "sh", "-c",
                "cat; uname -r; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c " + size
                + "; echo oops >&2; exit 7");
        assertEquals(7, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("oops"), run.stderr());

        byte[] out = run.stdout();
        String head = new String(out, 0, Math.min(out.length, 256), StandardCharsets.UTF_8);
        assertTrue(head.startsWith("line one\nline two\n"), "stdin came back first: " + head);
        int releaseStart = input.length;
        int releaseEnd = head.indexOf('\n', releaseStart);
        assertTrue(releaseEnd > releaseStart, "the guest's uname -r follows: " + head);
        String guestRelease = head.substring(releaseStart, releaseEnd);
        String hostRelease = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        assertNotEquals(hostRelease, guestRelease, "the container must run on the guest's kernel");
        assertTrue(guestRelease.matches("\\d+\\.\\d+\\.\\d+.*"), "uname -r: " + guestRelease);

        ByteArrayOutputStream expected = new ByteArrayOutputStream(size);
        byte[] line = "0123456789abcdefghijklmnopqrstuvwxyz\n".getBytes(StandardCharsets.US_ASCII);
        while (expected.size() < size) {
            expected.write(line, 0, Math.min(line.length, size - expected.size()));
        }
        int dataStart = releaseEnd + 1;
        assertEquals(size, out.length - dataStart, "16 MiB after the release line");
        assertArrayEquals(expected.toByteArray(), Arrays.copyOfRange(out, dataStart, out.length));
    }

    /** An interactive shell on a terminal, driven through a pty (util-linux script) as a user's terminal would. */
    @Test
    void aTerminalSessionWorksThroughAPty() throws Exception {
        Path bundle = Sandboxes.bundle(work, "--terminal", "sh");
        String command = dist.resolve("bin/kata-runtime") + " run --bundle " + bundle + " e2e-tty";
        Process script = ScriptTerminal.start(command);
        // The shell reads its terminal: type as a user would, after it had time to start.
        byte[] typed = "tty; stty size; echo typed-$((40+2))\nexit 3\n".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(script.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(script.getErrorStream()));
        OutputStream keyboard = script.getOutputStream();
        Thread.sleep(500);
        keyboard.write(typed);
        keyboard.flush();
        assertTrue(script.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the terminal session did not end");
        keyboard.close();
        Run run = new Run(script.exitValue(), out.get(), new String(err.get(), StandardCharsets.UTF_8));
        assertEquals(3, run.exitCode(), run.toString());
        assertTrue(run.out().contains("/dev/pts/"), "the shell has a terminal: " + run);
        assertTrue(run.out().contains("typed-42"), "what was typed ran: " + run);
        assertTrue(run.out().contains(ScriptTerminal.size() + "\r\n"),
                "the container's terminal has the size of ours (the process's consoleSize): " + run);
        ScriptTerminal.assertNoNul(run.out());
        Sandboxes.assertNothingLeft("e2e-tty");
    }

    /**
     * Sandboxes in a row ({@code -Dkata.run.cycles}, 3 in the suite, more in {@code make soak}), each leaving no
     * process, mount or directory behind.
     */
    @Test
    void runCyclesLeakNothing() throws Exception {
        Path bundle = Sandboxes.bundle(work, "true");
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            Run run = finish(start(bundle, "e2e-cycle"), new byte[0]);
            assertEquals(0, run.exitCode(), "cycle " + cycle + ": " + run);
            Sandboxes.assertNothingLeft("e2e-cycle");
        }
    }

    @Test
    void signalsSentToTheRuntimeReachTheContainer() throws Exception {
        Process process = start(Sandboxes.bundle(work, "sh", "-c", "trap 'echo got TERM; exit 42' TERM; echo ready; "
                + "while true; do sleep 1; done"), "e2e-signal");
        InputStream stdout = process.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (!seen.toString(StandardCharsets.UTF_8).contains("ready")) {
            int b = stdout.read();
            assertTrue(b >= 0, "the container never said ready: " + seen);
            seen.write(b);
        }
        process.toHandle().destroy(); // SIGTERM to kata-runtime, which forwards it (keeps our pipes open)
        Run run = finish(process, new byte[0]);
        assertEquals(42, run.exitCode(), run.toString());
        assertTrue(run.out().contains("got TERM"), run.toString());
        Sandboxes.assertNothingLeft("e2e-signal");
    }

    @Test
    void aBadBundleIsAClearErrorAndLeavesNothing() throws Exception {
        Path bundle = Sandboxes.bundle(work, "true");
        Files.writeString(bundle.resolve("config.json"),
                "{\"process\": {\"args\": []}, \"root\": {\"path\": \"rootfs\"}}");
        Run run = finish(start(bundle, "e2e-bad"), new byte[0]);
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.stderr().contains("process.args"), run.toString());
        Sandboxes.assertNothingLeft("e2e-bad");
    }
}
