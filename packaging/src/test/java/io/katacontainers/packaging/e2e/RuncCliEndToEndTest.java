package io.katacontainers.packaging.e2e;

import io.katacontainers.packaging.e2e.KataRuntimeCli.Result;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * runc's command line as containerd's runc shim and conmon drive it, in one VM: global --root/--log/--log-format
 * json, create with the shim's flags and Podman's default seccomp profile (hundreds of rules: the request is larger
 * than one virtio-serial buffer), exec --detach with --process and --pid-file (the relay the caller reaps), ps
 * --format json, pause/resume, update --memory, events --stats, kill, delete; nothing left behind.
 */
class RuncCliEndToEndTest {
    private static final long TIMEOUT_SECONDS = 240;
    private static final Path PODMAN_PROFILE = Path.of("/usr/share/containers/seccomp.json");
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private String status(String id) throws Exception {
        Result state = runtime("state", id);
        assertEquals(0, state.exitCode(), state.toString());
        return JSON.readTree(state.out()).get("status").asText();
    }

    /** Podman's default profile (containers-common) as a runtime-spec linux.seccomp for x86_64 as root. */
    static ObjectNode podmanDefaultProfile() throws IOException {
        assertTrue(Files.isReadable(PODMAN_PROFILE), PODMAN_PROFILE + " (containers-common, installed with podman)");
        JsonNode profile = JSON.readTree(PODMAN_PROFILE.toFile());
        ObjectNode seccomp = JSON.createObjectNode();
        seccomp.set("defaultAction", profile.get("defaultAction"));
        if (profile.has("defaultErrnoRet")) {
            seccomp.set("defaultErrnoRet", profile.get("defaultErrnoRet"));
        }
        ArrayNode architectures = seccomp.putArray("architectures");
        for (JsonNode arch : profile.get("archMap")) {
            if (arch.get("architecture").asText().equals("SCMP_ARCH_X86_64")) {
                architectures.add("SCMP_ARCH_X86_64");
                arch.get("subArchitectures").forEach(architectures::add);
            }
        }
        ArrayNode syscalls = seccomp.putArray("syscalls");
        for (JsonNode rule : profile.get("syscalls")) {
            JsonNode includes = rule.path("includes");
            boolean needsCap = includes.has("caps") && !includes.get("caps").isEmpty();
            boolean otherArch = includes.has("arches") && !includes.get("arches").toString().contains("amd64");
            if (needsCap || otherArch || includes.has("minKernel")) {
                continue;
            }
            ObjectNode kept = syscalls.addObject();
            for (String key : List.of("names", "action", "errnoRet", "args")) {
                if (rule.has(key)) {
                    kept.set(key, rule.get(key));
                }
            }
        }
        return seccomp;
    }

    @Test
    void runcCommandLineWithSeccompProfileLeavesNothing() throws Exception {
        String id = "docker17-runc-cli";
        ids.add(id);
        Path bundle = Sandboxes.bundle(work, "sh", "-c", "echo init-up; while true; do sleep 1; done");
        ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        ObjectNode seccomp = podmanDefaultProfile();
        int names = 0;
        for (JsonNode rule : seccomp.get("syscalls")) {
            names += rule.get("names").size();
        }
        assertTrue(names > 300, "a real-size profile: " + names + " syscall names");
        ((ObjectNode) config.get("linux")).set("seccomp", seccomp);
        ((ArrayNode) config.get("mounts")).addObject().put("destination", "/sys/fs/cgroup").put("type", "cgroup2")
                .put("source", "cgroup").putArray("options").add("ro").add("nosuid").add("noexec").add("nodev");
        JSON.writeValue(bundle.resolve("config.json").toFile(), config);

        Path root = work.resolve("root");
        Path log = work.resolve("log.json");
        Path pidFile = work.resolve("init.pid");
        Path out = work.resolve("init.out");
        List<String> create = List.of(Sandboxes.DIST.resolve("bin/kata-runtime").toString(), "--root",
                root.toString(), "--log", log.toString(), "--log-format", "json", "--systemd-cgroup", "create",
                "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), "--no-pivot", "--no-new-keyring",
                id);
        Process creating = new ProcessBuilder(create).redirectInput(new File("/dev/null"))
                .redirectOutput(out.toFile()).redirectError(work.resolve("init.err").toFile()).start();
        assertTrue(creating.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "create did not return");
        assertEquals(0, creating.exitValue(), "create: " + Files.readString(work.resolve("init.err")));
        long holder = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(ProcessHandle.of(holder).isPresent(), "the pid in --pid-file is a live process");
        assertEquals("created", status(id));

        assertEquals(0, runtime("start", id).exitCode());
        await("init's output", () -> read(out).contains("init-up"));
        Result filter = runtime("exec", id, "sh", "-c", "grep Seccomp: /proc/self/status");
        assertEquals(0, filter.exitCode(), filter.toString());
        assertTrue(filter.out().matches("Seccomp:\\s+2\\s*"), "the filter applies: " + filter);

        Path process = work.resolve("process.json");
        Files.writeString(process, """
                {"args": ["sh", "-c", "echo detached-out; exit 7"], "env": ["PATH=/bin"], "cwd": "/",
                 "user": {"uid": 0, "gid": 0}}""");
        Path execPid = work.resolve("exec.pid");
        Path execOut = work.resolve("exec.out");
        Process detach = new ProcessBuilder(Sandboxes.DIST.resolve("bin/kata-runtime").toString(), "exec",
                "--process", process.toString(), "--detach", "--pid-file", execPid.toString(), id)
                .redirectInput(new File("/dev/null")).redirectOutput(execOut.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertTrue(detach.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, detach.exitValue(), "exec --detach");
        long relay = Long.parseLong(Files.readString(execPid).trim());
        assertTrue(relay > 0 && relay != detach.pid(), "--pid-file names the relay, not exec itself: " + relay);
        await("the detached exec's output through its relay", () -> read(execOut).contains("detached-out"));

        Result ps = runtime("ps", "--format", "json", id);
        assertEquals(0, ps.exitCode(), ps.toString());
        assertTrue(JSON.readTree(ps.out()).toString().contains(Long.toString(holder)), ps.toString());

        assertEquals(0, runtime("pause", id).exitCode());
        assertEquals("paused", status(id));
        assertEquals(0, runtime("resume", id).exitCode());
        assertEquals("running", status(id));

        Result update = runtime("update", "--memory", "256m", id);
        assertEquals(0, update.exitCode(), update.toString());
        Result limit = runtime("exec", id, "sh", "-c", "cat /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/memory.max");
        assertEquals("268435456", limit.out().trim(), limit.toString());

        Result events = runtime("events", "--stats", id);
        assertEquals(0, events.exitCode(), events.toString());
        JsonNode event = JSON.readTree(events.out());
        assertEquals("stats", event.get("type").asText());
        assertTrue(event.get("data").get("memory").get("usage").get("usage").asLong() > 0, events.out());

        Result missing = runtime("--log", log.toString(), "--log-format", "json", "state", "docker17-no-such");
        assertEquals(1, missing.exitCode());
        JsonNode last = JSON.readTree(Files.readAllLines(log).getLast());
        assertEquals("error", last.get("level").asText());
        assertTrue(last.get("msg").asText().contains("does not exist"), last.toString());

        assertEquals(0, runtime("kill", "--all", id, "KILL").exitCode());
        await("stopped", () -> {
            try {
                return status(id).equals("stopped");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        Result delete = runtime("delete", "--force", id);
        assertEquals(0, delete.exitCode(), delete.toString());
        Sandboxes.assertNothingLeft(id);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
