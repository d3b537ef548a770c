package io.katacontainers.packaging.shim;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's containerd with its own config, root, state and socket (CRI disabled), finding shims on a PATH that
 * starts with the built tree's {@code bin/}, so {@code --runtime io.containerd.kata.v2} runs our shim. Also
 * records {@code ctr events} for the whole session.
 */
public final class PrivateContainerd implements AutoCloseable {
    public static final String IMAGE = "docker.io/library/kata-busybox:test";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CLEANUP_TIMEOUT = Duration.ofSeconds(60);

    private final Path work;
    private final Path socket;
    private final Path shimDir;
    private Process containerd;
    private Process events;
    /** Closes this containerd if the JVM exits without {@link #close} (an engine failure skips @AfterAll). */
    private final Thread closeAtExit = Thread.ofPlatform().name("private-containerd-close").unstarted(() -> {
        try {
            close();
        } catch (InterruptedException e) {
            System.err.println("PrivateContainerd: interrupted while closing at exit: " + e);
        }
    });

    /** The outcome of one ctr command. */
    public record Result(int exitCode, byte[] stdout, String stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String out = stdout.length > 4096 ? out().substring(0, 4096) + "... (" + stdout.length + " bytes)"
                    : out();
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + stderr;
        }
    }

    private PrivateContainerd(Path work, Path socket, Path shimDir, Process containerd) {
        this.work = work;
        this.socket = socket;
        this.shimDir = shimDir;
        this.containerd = containerd;
        Runtime.getRuntime().addShutdownHook(closeAtExit);
    }

    /** Starts containerd in {@code work}; {@code shimDir} goes first on its PATH (null: the system's shims only). */
    public static PrivateContainerd start(Path work, Path shimDir) throws IOException, InterruptedException {
        Path socket = work.resolve("containerd.sock");
        writeConfig(work.resolve("config.toml"), work.resolve("root"), work.resolve("state"), socket);
        PrivateContainerd started = new PrivateContainerd(work, socket, shimDir, launch(work, shimDir, false));
        started.awaitSocket();
        return started;
    }

    private static Process launch(Path work, Path shimDir, boolean append) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("containerd", "--config", work.resolve("config.toml").toString())
                .redirectErrorStream(true);
        File log = work.resolve("containerd.log").toFile();
        builder.redirectOutput(append ? ProcessBuilder.Redirect.appendTo(log) : ProcessBuilder.Redirect.to(log));
        if (shimDir != null) {
            builder.environment().put("PATH", shimDir + ":" + System.getenv("PATH"));
        }
        return builder.start();
    }

    private void awaitSocket() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!Files.exists(socket) && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        if (!Files.exists(socket)) {
            close();
            throw new AssertionError("containerd did not start: " + log());
        }
    }

    /**
     * Stops containerd as its service manager does (SIGTERM), leaving its tasks, shims and VMs running; the
     * {@code ctr events} recording stops with it.
     */
    public void stopDaemon() throws InterruptedException {
        if (events != null) {
            events.destroyForcibly().waitFor();
            events = null;
        }
        containerd.destroy();
        if (!containerd.waitFor(30, TimeUnit.SECONDS)) {
            containerd.destroyForcibly().waitFor();
        }
    }

    /** Starts containerd again after {@link #stopDaemon} on the same root, state and sockets (its log appended). */
    public void startDaemon() throws IOException, InterruptedException {
        if (containerd.isAlive()) {
            throw new IllegalStateException("containerd still runs: stop it first");
        }
        Files.deleteIfExists(socket); // containerd removes it on a clean exit; a killed one leaves it
        containerd = launch(work, shimDir, true);
        awaitSocket();
    }

    /** Whether the containerd process runs. */
    public boolean isRunning() {
        return containerd.isAlive();
    }

    /** Writes a containerd config to {@code file}: its own root, state and socket, the CRI plugin disabled. */
    public static void writeConfig(Path file, Path root, Path state, Path socket) throws IOException {
        Files.writeString(file, """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%s"
                """.formatted(root, state, socket));
    }

    public Path socket() {
        return socket;
    }

    /** containerd's directory of a task's bundle (config.json, address, shim.pid, log). */
    public Path bundle(String id) {
        return work.resolve("state/io.containerd.runtime.v2.task/default").resolve(id);
    }

    public String log() throws IOException {
        return Files.readString(work.resolve("containerd.log"));
    }

    /** Builds the busybox image layout tar and imports it. */
    public void importBusybox(Path repo) throws IOException, InterruptedException {
        Path image = work.resolve("busybox.tar");
        makeBusyboxImage(repo, image);
        Result imported = ctr(Duration.ofSeconds(60), "image", "import", image.toString());
        assertEquals(0, imported.exitCode(), imported.toString());
        assertTrue(imported.out().contains(IMAGE), imported.toString());
    }

    /** Builds the busybox image {@link #IMAGE} as an OCI image layout tar, for {@code ctr image import}. */
    public static void makeBusyboxImage(Path repo, Path tar) throws IOException, InterruptedException {
        Process make = new ProcessBuilder(repo.resolve("packaging/bundle/make-image.sh").toString(),
                tar.toString(), IMAGE).redirectErrorStream(true).start();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, make.waitFor(), output);
    }

    /** Starts recording {@code ctr events} into {@code events.log} (appended to after a restart). */
    public void recordEvents() throws IOException {
        events = new ProcessBuilder(ctrArgv("events")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("events.log").toFile())).start();
    }

    /** The event lines recorded so far. */
    public List<String> events() throws IOException {
        return Files.readAllLines(work.resolve("events.log"));
    }

    /** Runs ctr with stdin from /dev/null. */
    public Result ctr(Duration timeout, String... args) throws IOException, InterruptedException {
        return run(Path.of("/dev/null"), timeout, ctrArgv(args));
    }

    /** Runs a command with stdin from a file. */
    public static Result run(Path stdin, Duration timeout, List<String> argv) throws IOException,
            InterruptedException {
        return finish(new ProcessBuilder(argv).redirectInput(stdin.toFile()).start(), timeout);
    }

    /** Waits for a started process and collects its output; its stdin (a pipe) stays open until it exited. */
    public static Result finish(Process process, Duration timeout) throws IOException, InterruptedException {
        String command = process.info().commandLine().orElse("pid " + process.pid());
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(command + " did not finish within " + timeout);
            }
        } finally {
            process.getOutputStream().close();
        }
        return new Result(process.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
    }

    public List<String> ctrArgv(String... args) {
        List<String> argv = new ArrayList<>(List.of("ctr", "--address", socket.toString()));
        argv.addAll(Arrays.asList(args));
        return argv;
    }

    private void removeWhatIsLeft() throws InterruptedException {
        try {
            for (String id : ctr(CLEANUP_TIMEOUT, "task", "ls", "-q").out().lines().filter(l -> !l.isBlank())
                    .toList()) {
                ctr(CLEANUP_TIMEOUT, "task", "kill", "-s", "KILL", id);
                ctr(CLEANUP_TIMEOUT, "task", "delete", "--force", id);
            }
            for (String id : ctr(CLEANUP_TIMEOUT, "container", "ls", "-q").out().lines()
                    .filter(l -> !l.isBlank()).toList()) {
                ctr(CLEANUP_TIMEOUT, "container", "delete", id);
            }
        } catch (IOException | AssertionError e) {
            System.err.println("PrivateContainerd: could not remove what was left in " + work + ": " + e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Removes every task (SIGKILL, then a forced delete: the shim takes its VM down) and container still there,
     * then stops containerd: nothing of the session survives it, whatever the tests left.
     */
    @Override
    public void close() throws InterruptedException {
        if (Thread.currentThread() != closeAtExit) {
            Runtime.getRuntime().removeShutdownHook(closeAtExit);
        }
        if (containerd.isAlive()) {
            removeWhatIsLeft();
        }
        if (events != null) {
            events.destroyForcibly().waitFor();
        }
        containerd.destroy();
        if (!containerd.waitFor(10, TimeUnit.SECONDS)) {
            containerd.destroyForcibly().waitFor();
        }
    }
}
