package io.katacontainers.packaging.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.katacontainers.packaging.e2e.Sandboxes;
import io.katacontainers.packaging.shim.PrivateContainerd.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spec's OCI hooks on the shim v2 path ({@code containerd-shim-kata-v2} under a private containerd, the full
 * spec given with {@code ctr run --config}): {@code prestart} and {@code createRuntime} run on the host before the
 * sandbox's VM exists, {@code poststart} while it runs, {@code poststop} after it is gone, in that order, each with
 * the runtime spec's state on stdin (id, bundle, the status of its moment, the shim's pid); a failing prestart hook
 * fails the create with the hook's output and exit status, runs the poststop hooks, and leaves nothing.
 */
class ShimHooksEndToEndTest {
    private static final Duration RUN = Duration.ofSeconds(240);
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final String RUNTIME = "io.containerd.kata.v2";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "docker17-hooks-" + ProcessHandle.current().pid();

    @TempDir
    static Path work;
    private static PrivateContainerd containerd;
    private static Path config;

    @BeforeAll
    static void startContainerd() throws Exception {
        Sandboxes.requireBuiltTree();
        String shipped = Files.readString(Sandboxes.DIST.resolve("share/defaults/kata-containers/configuration.toml"));
        assertTrue(shipped.matches("(?s).*\\ndial_timeout = \\d+\\n.*"), "no dial_timeout to raise");
        config = work.resolve("configuration.toml");
        Files.writeString(config, shipped.replaceFirst("\\ndial_timeout = \\d+\\n", "\ndial_timeout = 180\n"));
        containerd = PrivateContainerd.start(Files.createDirectories(work.resolve("containerd")),
                Sandboxes.DIST.resolve("bin"));
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    /**
     * A busybox spec running {@code command} whose hooks of each stage record their stdin in {@code <dir>/<stage>
     * .json}, append the stage to {@code <dir>/order} and whether the sandbox's directory exists to {@code
     * <dir>/<stage>.vm}; {@code failingPrestart} puts a prestart hook that prints and exits 7 first.
     */
    private static Path spec(String id, Path dir, boolean failingPrestart, String... command) throws Exception {
        Files.createDirectories(dir);
        Path bundle = Sandboxes.bundleOf(dir.resolve("b"), command);
        ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        ((ObjectNode) spec.get("root")).put("path", bundle.resolve("rootfs").toAbsolutePath().toString());
        ObjectNode hooks = spec.putObject("hooks");
        for (String stage : List.of("prestart", "createRuntime", "poststart", "poststop")) {
            ArrayNode list = hooks.putArray(stage);
            if (failingPrestart && stage.equals("prestart")) {
                list.add(hook("echo the-hook-says-no; exit 7"));
            }
            list.add(hook("cat > " + dir.resolve(stage + ".json") + "; echo " + stage + " >> " + dir.resolve("order")
                    + "; if [ -e /run/vc/sbs/" + id + " ]; then echo vm; else echo no-vm; fi > "
                    + dir.resolve(stage + ".vm")));
        }
        Path file = dir.resolve("spec.json");
        JSON.writeValue(file.toFile(), spec);
        return file;
    }

    private static ObjectNode hook(String script) {
        ObjectNode hook = JSON.createObjectNode();
        hook.put("path", "/bin/sh");
        hook.putArray("args").add("sh").add("-c").add(script);
        hook.putArray("env").add("PATH=/usr/bin:/bin");
        hook.put("timeout", 60);
        return hook;
    }

    private Result run(Path spec, String id) throws Exception {
        return containerd.ctr(RUN, "run", "--rm", "--runtime", RUNTIME, "--runtime-config-path",
                config.toString(), "--config", spec.toString(), id);
    }

    @Test
    void hooksRunOnTheHostInOrderWithTheState() throws Exception {
        String id = PREFIX + "-ok";
        Path dir = work.resolve("ok");
        Result run = run(spec(id, dir, false, "sh", "-c", "echo in-the-vm; exit 3"), id);
        assertEquals(3, run.exitCode(), "the container's exit code: " + run);
        assertTrue(run.out().contains("in-the-vm"), run.toString());
        assertEquals(List.of("prestart", "createRuntime", "poststart", "poststop"),
                Files.readAllLines(dir.resolve("order")), "the hooks ran once each, in the runtime spec's order");
        Map<String, String> status = Map.of("prestart", "creating", "createRuntime", "creating",
                "poststart", "running", "poststop", "stopped");
        Map<String, String> vm = Map.of("prestart", "no-vm", "createRuntime", "no-vm", "poststart", "vm",
                "poststop", "no-vm");
        Path bundle = containerd.bundle(id);
        for (String stage : status.keySet()) {
            JsonNode state = JSON.readTree(dir.resolve(stage + ".json").toFile());
            assertEquals(id, state.path("id").asText(), stage + "'s state: " + state);
            assertEquals(status.get(stage), state.path("status").asText(), stage + "'s state: " + state);
            assertEquals(bundle.toString(), state.path("bundle").asText(), stage + "'s state: " + state);
            if (stage.equals("poststop")) {
                assertEquals(0, state.path("pid").asLong(), "poststop: no process: " + state);
            } else {
                assertNotEquals(0, state.path("pid").asLong(), stage + "'s state has the shim's pid: " + state);
            }
            assertEquals(vm.get(stage), Files.readString(dir.resolve(stage + ".vm")).trim(),
                    stage + ": the sandbox's VM " + (vm.get(stage).equals("vm") ? "runs" : "does not exist"));
        }
        Sandboxes.assertNothingLeft(id);
    }

    @Test
    void aFailingPrestartHookFailsTheCreateAndLeavesNothing() throws Exception {
        String id = PREFIX + "-fail";
        Path dir = work.resolve("fail");
        Result run = run(spec(id, dir, true, "true"), id);
        try {
            assertNotEquals(0, run.exitCode(), "the create fails: " + run);
            assertTrue(run.stderr().contains("the-hook-says-no") && run.stderr().contains("exit status 7"),
                    "the error has the hook's output and status: " + run);
            assertEquals(List.of("poststop"), Files.readAllLines(dir.resolve("order")),
                    "no other create hook ran; poststop did, to undo what prestart set up");
            assertFalse(Files.exists(dir.resolve("poststart.json")), "poststart did not run");
            Sandboxes.assertNothingLeft(id);
        } finally {
            containerd.ctr(QUICK, "container", "delete", id);
        }
    }
}
