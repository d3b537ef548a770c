package io.katacontainers.packaging.e2e;

import io.katacontainers.packaging.e2e.KataRuntimeCli.Result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.FdStreams;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.Terminals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Docker and Podman need of {@code kata-runtime create/start/exec/delete} beyond runc's flags, in one VM: the
 * spec's OCI hooks run on the host at the runtime spec's moments with the state on stdin, and a container with a
 * terminal hands its pty master to {@code --console-socket} (received here as runc's {@code recvtty} receives
 * it), for the init and for an {@code exec -t}, resizes included. A failing prestart hook fails the create with its
 * output, runs the poststop hooks and leaves nothing behind, before any VM boots.
 */
class HooksConsoleEndToEndTest {
    private static final long TIMEOUT_SECONDS = 240;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> ids = new ArrayList<>();

    @TempDir
    Path work;

    @BeforeAll
    static void locate() {
        Sandboxes.requireBuiltTree();
    }

    @AfterEach
    void forceDelete() throws Exception {
        for (String id : ids) {
            runtime("delete", "--force", id);
        }
    }

    private Result runtime(String... args) throws Exception {
        return KataRuntimeCli.run(work, Duration.ofSeconds(TIMEOUT_SECONDS), args);
    }

    private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** A hook that appends "STAGE STATE-JSON" to {@code log}. */
    private static ObjectNode recordingHook(String stage, Path log) {
        ObjectNode hook = JSON.createObjectNode().put("path", "/bin/sh");
        hook.putArray("args").add("sh").add("-c").add("echo \"$0 $(cat)\" >> " + log).add(stage);
        hook.putArray("env").add("PATH=/usr/bin:/bin");
        return hook;
    }

    private static void addHooks(Path bundle, ObjectNode hooks) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        config.set("hooks", hooks);
        JSON.writeValue(bundle.resolve("config.json").toFile(), config);
    }

    /** runc's recvtty: accepts one connection on {@code socket} and takes the pty master it carries. */
    private static CompletableFuture<Sockets.ReceivedFd> receiveConsole(Fd listener) {
        return CompletableFuture.supplyAsync(() -> {
            try (Fd connection = Sockets.accept(listener.get(), 0)) {
                return Sockets.receiveFd(connection.get(), 4096);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Everything the terminal shows, collected on a thread of its own until the master reads EOF or EIO. */
    private static StringBuffer collect(Fd master) {
        StringBuffer shown = new StringBuffer();
        Thread.ofPlatform().daemon().name("terminal-reader").start(() -> {
            byte[] buffer = new byte[4096];
            try (InputStream in = FdStreams.input(master)) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    shown.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException | IllegalStateException e) {
                // EIO once the other end is gone, or the test closed the master: the terminal's end either way
                shown.append("\n[terminal closed: ").append(e.getMessage()).append("]");
            }
        });
        return shown;
    }

    private static void type(Fd master, String keys) throws IOException {
        FdStreams.output(master).write(keys.getBytes(StandardCharsets.UTF_8));
    }

    private static List<JsonNode> hookLines(Path log, String stage) throws IOException {
        List<JsonNode> states = new ArrayList<>();
        if (!Files.exists(log)) {
            return states;
        }
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith(stage + " ")) {
                states.add(JSON.readTree(line.substring(stage.length() + 1)));
            }
        }
        return states;
    }

    @Test
    void hooksRunOnTheHostAtTheirMomentsAndTerminalsReachTheConsoleSocket() throws Exception {
        String id = "hooks17-console";
        ids.add(id);
        Path bundle = Sandboxes.bundle(work, "--terminal", "sh");
        Path log = work.resolve("hooks.log");
        ObjectNode hooks = JSON.createObjectNode();
        for (String stage : List.of("prestart", "createRuntime", "poststart", "poststop")) {
            hooks.putArray(stage).add(recordingHook(stage, log));
        }
        addHooks(bundle, hooks);

        Path socket = work.resolve("console.sock");
        Path pidFile = work.resolve("init.pid");
        try (Fd listener = Sockets.listenUnix(socket, 4, 0)) {
            CompletableFuture<Sockets.ReceivedFd> console = receiveConsole(listener);
            Result create = runtime("create", "--bundle", bundle.toString(), "--console-socket", socket.toString(),
                    "--pid-file", pidFile.toString(), id);
            assertEquals(0, create.exitCode(), create.toString());
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            Sockets.ReceivedFd received = console.get(10, TimeUnit.SECONDS);
            assertTrue(new String(received.payload(), StandardCharsets.UTF_8).startsWith("/dev/pts/"),
                    "the message names the pty, as runc's does");

            // prestart, then createRuntime, during create; with the state of a creating container and its pid.
            List<String> stages = Files.readAllLines(log).stream().map(line -> line.split(" ", 2)[0]).toList();
            assertEquals(List.of("prestart", "createRuntime"), stages);
            JsonNode prestart = hookLines(log, "prestart").getFirst();
            assertEquals(id, prestart.get("id").asText());
            assertEquals("creating", prestart.get("status").asText());
            assertEquals(pid, prestart.get("pid").asLong());
            assertEquals(bundle.toAbsolutePath().toString(), prestart.get("bundle").asText());

            try (Fd master = received.fd()) {
                Terminals.setWindowSize(master.get(), new Terminals.WindowSize(30, 90));
                StringBuffer shown = collect(master);
                Result start = runtime("start", id);
                assertEquals(0, start.exitCode(), start.toString());
                JsonNode poststart = hookLines(log, "poststart").getFirst();
                assertEquals("running", poststart.get("status").asText());

                type(master, "echo init-$((6*7)); stty size\r");
                await("the init's answer on its terminal", () -> shown.toString().contains("init-42"));
                await("the terminal's size in the guest", () -> shown.toString().contains("30 90"));
                Terminals.setWindowSize(master.get(), new Terminals.WindowSize(41, 123));
                // The resize travels as SIGWINCH to the sandbox process and then a call to the agent, beside the
                // typed keys: ask again until the guest's terminal has the new size (bounded by await).
                long[] lastAsked = {0};
                await("the resized terminal in the guest", () -> {
                    if (shown.toString().contains("41 123")) {
                        return true;
                    }
                    if (System.nanoTime() - lastAsked[0] > TimeUnit.SECONDS.toNanos(2)) {
                        lastAsked[0] = System.nanoTime();
                        try {
                            type(master, "stty size\r");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                    return false;
                });

                // exec -t --detach: a second terminal, through a second hand-over.
                CompletableFuture<Sockets.ReceivedFd> execConsole = receiveConsole(listener);
                Result exec = runtime("exec", "--tty", "--detach", "--console-socket", socket.toString(),
                        "--pid-file", work.resolve("exec.pid").toString(), id, "sh");
                assertEquals(0, exec.exitCode(), exec.toString());
                try (Fd execMaster = execConsole.get(10, TimeUnit.SECONDS).fd()) {
                    StringBuffer execShown = collect(execMaster);
                    type(execMaster, "echo exec-$((2+3)); tty\r");
                    await("the exec's answer on its own terminal", () -> execShown.toString().contains("exec-5"));
                    // tty's line may come in a later read than the echo's.
                    await("the exec's terminal name", () -> execShown.toString().contains("/dev/pts/"));
                    type(execMaster, "exit 0\r");
                }

                assertFalse(hookLines(log, "poststop").iterator().hasNext(), "no poststop before delete");
                type(master, "exit 3\r");
                await("the container stopped", () -> {
                    try {
                        return JSON.readTree(runtime("state", id).out()).get("status").asText().equals("stopped");
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
            }
            Result delete = runtime("delete", id);
            assertEquals(0, delete.exitCode(), delete.toString());
            JsonNode poststop = hookLines(log, "poststop").getFirst();
            assertEquals("stopped", poststop.get("status").asText());
            assertEquals(List.of("prestart", "createRuntime", "poststart", "poststop"),
                    Files.readAllLines(log).stream().map(line -> line.split(" ", 2)[0]).toList());
            Sandboxes.assertNothingLeft(id);
        }
    }

    @Test
    void aFailingPrestartHookFailsTheCreateWithItsOutputAndLeavesNothing() throws Exception {
        String id = "hooks17-failing";
        ids.add(id);
        Path bundle = Sandboxes.bundle(work, "true");
        Path log = work.resolve("hooks.log");
        ObjectNode hooks = JSON.createObjectNode();
        ObjectNode failing = JSON.createObjectNode().put("path", "/bin/sh");
        failing.putArray("args").add("sh").add("-c").add("echo network set-up refused >&2; exit 2");
        ArrayNode prestart = hooks.putArray("prestart");
        prestart.add(failing);
        prestart.add(recordingHook("after-failure", log));
        hooks.putArray("poststop").add(recordingHook("poststop", log));
        addHooks(bundle, hooks);

        Result create = runtime("create", "--bundle", bundle.toString(), id);
        assertNotEquals(0, create.exitCode(), create.toString());
        assertTrue(create.err().contains("network set-up refused"), "the hook's output in the error: " + create);
        assertTrue(create.err().contains("exit status 2"), create.toString());
        assertEquals(List.of(), hookLines(log, "after-failure"), "no hook runs after a failed one");
        assertEquals("stopped", hookLines(log, "poststop").getFirst().get("status").asText(),
                "the poststop hooks undo what the prestart hooks set up");
        assertNotEquals(0, runtime("state", id).exitCode(), "no container is left");
        Sandboxes.assertNothingLeft(id);
    }

    /**
     * Fail fast: a create the guest cannot honour (a sysctl its kernel does not have) or whose bind source is
     * missing returns its error well inside the agent's 60 s call timeout, with the reason, and leaves nothing.
     */
    @Test
    void createsThatCannotSucceedFailAtOnceWithTheReason() throws Exception {
        record Case(String id, String reason, java.util.function.Consumer<ObjectNode> change) {
        }
        List<Case> cases = List.of(
                new Case("hooks17-no-source", "/nonexistent-hooks17-source", config -> ((ArrayNode) config
                        .get("mounts")).addObject().put("destination", "/data").put("type", "bind")
                        .put("source", "/nonexistent-hooks17-source").putArray("options").add("rbind")),
                new Case("hooks17-bad-sysctl", "kernel.no_such_sysctl_hooks17", config -> ((ObjectNode) config
                        .get("linux")).putObject("sysctl").put("kernel.no_such_sysctl_hooks17", "1")));
        for (Case c : cases) {
            ids.add(c.id());
            Path dir = Files.createDirectories(work.resolve(c.id()));
            Path bundle = Sandboxes.bundle(dir, "true");
            ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
            c.change().accept(config);
            JSON.writeValue(bundle.resolve("config.json").toFile(), config);
            long start = System.nanoTime();
            Result create = runtime("create", "--bundle", bundle.toString(), c.id());
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertNotEquals(0, create.exitCode(), create.toString());
            assertTrue(create.err().contains(c.reason()), "the error names the reason: " + create);
            assertTrue(seconds < 55, c.id() + ": failed after " + seconds + " s, not at once");
            Sandboxes.assertNothingLeft(c.id());
        }
    }
}
