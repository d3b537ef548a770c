package io.katacontainers.packaging.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runc-like life cycle where the sandbox outlives the command that made it: {@code create}, {@code state},
 * {@code start}, {@code exec}, {@code kill}, {@code delete}, {@code list}, in a real VM; and the case where the
 * sandbox's holder process is SIGKILLed and {@code delete} must still leave nothing behind.
 */
@Order(5)
class OciLifecycleEndToEndTest {
    private static final long TIMEOUT_SECONDS = 180;
    private static final Path dist = Sandboxes.DIST;
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

    private record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private ProcessBuilder command(String... args) {
        List<String> argv = new ArrayList<>(List.of(dist.resolve("bin/kata-runtime").toString()));
        argv.addAll(Arrays.asList(args));
        return new ProcessBuilder(argv);
    }

    private Result runtime(String... args) throws Exception {
        Process process = command(args).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("kata-runtime " + String.join(" ", args) + " did not finish");
        }
        return new Result(process.exitValue(), out.get(), err.get());
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private String status(String id) {
        try {
            Result state = runtime("state", id);
            assertEquals(0, state.exitCode(), state.toString());
            var matcher = java.util.regex.Pattern.compile("\"status\"\\s*:\\s*\"(\\w+)\"").matcher(state.out());
            assertTrue(matcher.find(), state.toString());
            return matcher.group(1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Creates the container and returns create's stdout as it keeps arriving. */
    private Path create(Path bundle, String id, String... extra) throws Exception {
        ids.add(id);
        List<String> args = new ArrayList<>(List.of("create", "--bundle", bundle.toString()));
        args.addAll(Arrays.asList(extra));
        args.add(id);
        // Files, not pipes: java.lang.Process closes its pipes when the process exits, and the container's output
        // keeps coming (from the sandbox process that inherited create's stdout) long after create returned.
        Path out = work.resolve(id + ".out");
        Path err = work.resolve(id + ".err");
        Process create = command(args.toArray(String[]::new)).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        assertTrue(create.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "create did not return");
        assertEquals(0, create.exitValue(), "create failed: " + Files.readString(err));
        return out;
    }

    /** No VMM, virtiofsd, mount or state directory of the sandbox is left. */
    @Test
    void createStartExecKillDeleteLeavesNothing() throws Exception {
        String id = "e2e-oci-life";
        Path bundle = Sandboxes.bundle(work, "sh", "-c", "trap 'echo got-term; exit 3' TERM; echo hello-from-init; "
                + "while true; do sleep 1; done");
        Path out = create(bundle, id);
        assertEquals("created", status(id));
        Result list = runtime("list", "--format", "json");
        assertTrue(list.out().contains("\"" + id + "\""), list.toString());

        Result start = runtime("start", id);
        assertEquals(0, start.exitCode(), start.toString());
        await("the container's output on create's stdout", () -> text(out).contains("hello-from-init"));
        assertEquals("running", status(id));
        Result again = runtime("start", id);
        assertEquals(1, again.exitCode(), "a running container cannot start again: " + again);

        Result exec = runtime("exec", id, "--", "echo", "hi");
        assertEquals(0, exec.exitCode(), exec.toString());
        assertEquals("hi\n", exec.out(), exec.toString());
        Result failing = runtime("exec", "--env", "CODE=5", id, "--", "sh", "-c", "exit $CODE");
        assertEquals(5, failing.exitCode(), failing.toString());
        Result killed = runtime("exec", id, "--", "sh", "-c", "kill -9 $$");
        assertEquals(137, killed.exitCode(), "SIGKILL is 128 + 9, as with runc: " + killed);

        Result refused = runtime("delete", id);
        assertEquals(1, refused.exitCode(), "delete of a running container needs --force: " + refused);
        assertTrue(refused.err().contains("--force"), refused.toString());

        Result kill = runtime("kill", id); // SIGTERM by default
        assertEquals(0, kill.exitCode(), kill.toString());
        await("state stopped", () -> status(id).equals("stopped"));
        await("the trap's output", () -> text(out).contains("got-term"));

        Result delete = runtime("delete", id);
        assertEquals(0, delete.exitCode(), delete.toString());
        Sandboxes.assertNothingLeft(id);
        Result missing = runtime("state", id);
        assertEquals(1, missing.exitCode(), missing.toString());
        assertEquals(0, runtime("delete", "--force", id).exitCode(), "delete --force of nothing is fine");
    }

    @Test
    void aKilledSandboxProcessIsStoppedAndDeleteStillCleansUp() throws Exception {
        String id = "e2e-oci-seed";
        Path pidFile = work.resolve("pid");
        create(Sandboxes.bundle(work, "sleep", "1000"), id, "--pid-file", pidFile.toString());
        Result start = runtime("start", id);
        assertEquals(0, start.exitCode(), start.toString());
        assertEquals("running", status(id));

        long holder = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(ProcessHandle.of(holder).orElseThrow().destroyForcibly(), "SIGKILL the pid-file process");
        await("state stopped after the pid-file process died", () -> status(id).equals("stopped"));
        Result kill = runtime("kill", id, "KILL");
        assertEquals(0, kill.exitCode(), "KILL still works without the holder: " + kill);

        Result delete = runtime("delete", id);
        assertEquals(0, delete.exitCode(), delete.toString());
        Sandboxes.assertNothingLeft(id);
        assertEquals(0, runtime("delete", "--force", id).exitCode(), "delete is idempotent with --force");
    }
}
