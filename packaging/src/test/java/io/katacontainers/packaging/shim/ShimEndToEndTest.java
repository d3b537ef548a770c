package io.katacontainers.packaging.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.katacontainers.containerd.task.DeleteRequest;
import io.katacontainers.containerd.task.DeleteResponse;
import io.katacontainers.containerd.task.ShutdownRequest;
import io.katacontainers.containerd.task.UpdateTaskRequest;
import io.katacontainers.packaging.e2e.Sandboxes;
import io.katacontainers.packaging.e2e.ScriptTerminal;
import io.katacontainers.packaging.shim.PrivateContainerd.Result;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code containerd-shim-kata-v2} driven by a real containerd (Debian's 1.6) through {@code ctr}, with the busybox
 * image imported from the local build: every test boots real VMs (QEMU, under TCG here), so each does a lot.
 * Kata's seed repro runs {@code -Dkata.shim.seedIterations} times: 3 in the suite (one iteration boots a VM, ~14 s
 * under TCG on an idle 2-core machine); {@code make soak} runs it 50 times or more.
 */
@Order(1)
class ShimEndToEndTest {
    private static final Duration RUN = Duration.ofSeconds(240);
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final String RUNTIME = "io.containerd.kata.v2";
    private static final int SEED_ITERATIONS = Integer.getInteger("kata.shim.seedIterations", 3);

    @TempDir
    static Path work;
    private static PrivateContainerd containerd;
    private static Path config;
    private final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void startContainerd() throws Exception {
        Sandboxes.requireBuiltTree();
        assertTrue(Files.isExecutable(Sandboxes.DIST.resolve("bin/containerd-shim-kata-v2")));
        // The shipped configuration, with room for a guest that boots slowly on a loaded machine (TCG).
        String shipped = Files.readString(Sandboxes.DIST.resolve("share/defaults/kata-containers/configuration.toml"));
        assertTrue(shipped.matches("(?s).*\\ndial_timeout = \\d+\\n.*"), "no dial_timeout to raise");
        config = work.resolve("configuration.toml");
        Files.writeString(config, shipped.replaceFirst("\\ndial_timeout = \\d+\\n", "\ndial_timeout = 180\n"));
        containerd = PrivateContainerd.start(work, Sandboxes.DIST.resolve("bin"));
        containerd.importBusybox(Sandboxes.REPO);
        containerd.recordEvents();
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    /** Whatever a failed test left: removed through containerd, so that later tests start clean. */
    @AfterEach
    void removeTasks() throws Exception {
        for (String id : ids.reversed()) {
            containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id);
            containerd.ctr(QUICK, "task", "delete", "--force", id);
            containerd.ctr(QUICK, "container", "delete", id);
        }
    }

    private String id(String name) {
        ids.add(name);
        return name;
    }

    private List<String> runArgs(String... rest) {
        List<String> args = new ArrayList<>(List.of("run", "--runtime", RUNTIME, "--runtime-config-path",
                config.toString()));
        args.addAll(Arrays.asList(rest));
        return args;
    }

    private Result ctr(Duration timeout, List<String> args) throws Exception {
        return containerd.ctr(timeout, args.toArray(String[]::new));
    }

    /** {@code ctr run -d} of a long sleep: a running task in its own VM. */
    private void runSleeping(String id) throws Exception {
        Result run = ctr(RUN, runArgs("-d", PrivateContainerd.IMAGE, id, "sleep", "1000"));
        assertEquals(0, run.exitCode(), run.toString());
    }

    private void awaitStopped(String id) throws InterruptedException {
        await(id + " to stop", () -> "STOPPED".equals(task(id).length > 0 ? task(id)[0] : ""));
    }

    /** Deletes the task and the container through containerd; both must succeed. */
    private void deleteTaskAndContainer(String id) throws Exception {
        Result delete = containerd.ctr(QUICK, "task", "delete", id);
        assertEquals(0, delete.exitCode(), delete.toString());
        assertEquals(0, containerd.ctr(QUICK, "container", "delete", id).exitCode());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /** The task's status and pid as {@code ctr task ls} shows them; empty when it has no task. */
    private String[] task(String id) {
        try {
            Result ls = containerd.ctr(QUICK, "task", "ls");
            return ls.out().lines().map(line -> line.trim().split("\\s+"))
                    .filter(fields -> fields.length == 3 && fields[0].equals(id)).findFirst()
                    .map(fields -> new String[] {fields[2], fields[1]}).orElse(new String[0]);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** No shim process of our containerd, sandbox directory, mount, VMM, virtiofsd or socket survives. */
    private void assertNothingLeft(String sandboxId) throws Exception {
        await("the shim of " + sandboxId + " to exit", () -> shims(sandboxId).isEmpty());
        Sandboxes.assertNothingLeft(sandboxId);
        Path socket = socketOf(sandboxId);
        assertFalse(Files.exists(socket), socket + " was left behind");
    }

    private List<ProcessHandle> shims(String id) {
        return ProcessHandle.allProcesses().filter(process -> process.info().arguments()
                .map(args -> String.join(" ", args))
                .filter(line -> line.contains("ShimMain") && line.contains(containerd.socket().toString())
                        && line.contains("-id " + id))
                .isPresent()).toList();
    }

    /** containerd 1.6's shim socket for a task of the default namespace. */
    private Path socketOf(String id) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                (containerd.socket() + "/default/" + id).getBytes(StandardCharsets.UTF_8));
        return Path.of("/run/containerd/s", HexFormat.of().formatHex(digest));
    }

    private static String hostKernel() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    }

    private static byte[] pattern(int size) {
        byte[] line = "kata-shim-0123456789\n".getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = line[i % line.length];
        }
        return data;
    }

    @Test
    void runPrintsTheGuestKernelAndSixteenMebibytesExactlyAndPassesTheExitCode() throws Exception {
        String id = id("shim-run");
        int size = 16 << 20;
        Result run = ctr(RUN, runArgs("--rm", PrivateContainerd.IMAGE, id, "sh", "-c",
                "uname -r; yes kata-shim-0123456789 | head -c " + size + "; exit 7"));
        assertEquals(7, run.exitCode(), "the container's exit status is ctr's: " + run);
        String out = run.out();
        int newline = out.indexOf('\n');
        String kernel = out.substring(0, newline);
        assertTrue(kernel.matches("\\d+\\.\\d+\\.\\d+.*"), "uname -r: " + run);
        assertNotEquals(hostKernel(), kernel, "the guest's kernel, not the host's");
        byte[] rest = Arrays.copyOfRange(run.stdout(), newline + 1, run.stdout().length);
        assertEquals(size, rest.length, "every byte of the output arrives");
        assertArrayEquals(pattern(size), rest, "byte-exact");
        assertNothingLeft(id);

        List<String> topics = containerd.events().stream().filter(line -> line.contains("\"" + id + "\""))
                .map(line -> line.replaceAll(".* (/tasks/[a-z-]+) .*", "$1")).toList();
        assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"),
                topics.stream().filter(t -> t.startsWith("/tasks/")).distinct().toList(),
                "containerd got the events in order: " + containerd.events());
    }

    @Test
    void execStdinMetricsUpdateKillAllAndDeleteOfADetachedTask() throws Exception {
        String id = id("shim-detached");
        // The init ignores USR1 (and so do its sleeps), so only Kill with all can reach other processes with it.
        Result run = ctr(RUN, runArgs("-d", PrivateContainerd.IMAGE, id, "sh", "-c",
                "trap '' USR1; trap 'exit 3' TERM; while true; do sleep 1; done"));
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("RUNNING", task(id)[0]);

        Result echo = containerd.ctr(QUICK, "task", "exec", "--exec-id", "e1", id, "echo", "hi-from-exec");
        assertEquals(0, echo.exitCode(), echo.toString());
        assertEquals("hi-from-exec\n", echo.out());
        Result failing = containerd.ctr(QUICK, "task", "exec", "--exec-id", "e2", id, "sh", "-c", "exit 4");
        assertEquals(4, failing.exitCode(), failing.toString());
        Path input = work.resolve("stdin.txt");
        Files.writeString(input, "line one\nline two\n");
        Result cat = PrivateContainerd.run(input, QUICK, containerd.ctrArgv("task", "exec", "--exec-id", "e3", id,
                "sh", "-c", "cat; echo eof-seen"));
        assertEquals(0, cat.exitCode(), cat.toString());
        assertEquals("line one\nline two\neof-seen\n", cat.out(), "stdin passes, and its end reaches the process");

        JsonNode metrics = metrics(id);
        assertTrue(metrics.path("memory").path("usage").asLong() > 0, "the container's memory use: " + metrics);
        assertTrue(metrics.path("pids").path("current").asLong() >= 2, "sh and its sleep: " + metrics);
        assertTrue(metrics.path("cpu").path("usage_usec").asLong() > 0, "CPU time: " + metrics);
        // ctr 1.6 has no 'task update': this is the request containerd's Tasks.Update forwards to the shim.
        byte[] update = UpdateTaskRequest.newBuilder().setId(id).setResources(Any.newBuilder()
                .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/LinuxResources")
                .setValue(ByteString.copyFromUtf8("{\"memory\":{\"limit\":67108864}}"))).build().toByteArray();
        assertEquals(Code.OK, call(socketOf(id), "Update", update));
        assertEquals(67108864, metrics(id).path("memory").path("usage_limit").asLong(), "the new limit applies");

        Result waiter = containerd.ctr(QUICK, "task", "exec", "--detach", "--exec-id", "e4", id, "sh", "-c",
                "trap 'echo usr1-seen > /tmp/usr1; exit 0' USR1; while true; do sleep 1; done");
        assertEquals(0, waiter.exitCode(), waiter.toString());
        Result killAll = containerd.ctr(QUICK, "task", "kill", "--all", "-s", "USR1", id);
        assertEquals(0, killAll.exitCode(), killAll.toString());
        await("the exec'd process to see USR1", () -> {
            try {
                return containerd.ctr(QUICK, "task", "exec", "--exec-id", "e5-" + System.nanoTime(), id,
                        "cat", "/tmp/usr1").out().equals("usr1-seen\n");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals("RUNNING", task(id)[0], "the init ignored it");

        Result kill = containerd.ctr(QUICK, "task", "kill", id); // SIGTERM
        assertEquals(0, kill.exitCode(), kill.toString());
        awaitStopped(id);
        Result again = containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id);
        assertEquals(0, again.exitCode(), "killing a stopped task is a no-op: " + again);
        Result delete = containerd.ctr(QUICK, "task", "delete", id);
        assertEquals(0, delete.exitCode(), delete.toString());
        assertTrue(delete.stderr().contains("exit code 3"), "the trap's exit status: " + delete);
        assertEquals(0, containerd.ctr(QUICK, "container", "delete", id).exitCode());
        assertNothingLeft(id);
    }

    @Test
    void aContainerOverItsMemoryLimitIsOomKilledAndContainerdHearsOfIt() throws Exception {
        String id = id("shim-oom");
        // tail keeps the current line: /dev/zero has no newline, so it grows until the limit's OOM kill.
        Result run = ctr(RUN, runArgs("--rm", "--memory-limit", Long.toString(32 << 20), PrivateContainerd.IMAGE,
                id, "tail", "/dev/zero"));
        assertEquals(137, run.exitCode(), "SIGKILL by the OOM killer: " + run);
        await("the OOM event", () -> {
            try {
                return containerd.events().stream().anyMatch(l -> l.contains("/tasks/oom") && l.contains(id));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertNothingLeft(id);
    }

    /** {@code ctr task metrics --format json}: containerd's cgroup v2 metrics as the shim's Stats answered. */
    private JsonNode metrics(String id) throws Exception {
        Result metrics = containerd.ctr(QUICK, "task", "metrics", "--format", "json", id);
        assertEquals(0, metrics.exitCode(), metrics.toString());
        return new ObjectMapper().readTree(metrics.out());
    }

    @Test
    void runWithATerminal() throws Exception {
        String id = id("shim-tty");
        // ctr 1.6 puts no consoleSize in the spec and sends ResizePty only after Start, so a process may look at
        // its terminal before the size arrives (with runc too): this one waits up to 5 s for it.
        String command = String.join(" ", containerd.ctrArgv()) + " " + String.join(" ", runArgs("-t", "--rm",
                PrivateContainerd.IMAGE, id, "sh", "-c", "'tty; for i in $(seq 50); do "
                        + "size=$(stty size 2>/dev/null); [ -n \"$size\" ] && break; sleep 0.1; done; "
                        + "echo \"size $size\"; exit 5'"));
        Result run = PrivateContainerd.finish(ScriptTerminal.start(command), RUN);
        assertEquals(5, run.exitCode(), run.toString());
        assertTrue(run.out().contains("/dev/pts/"), "the process has a terminal: " + run);
        assertTrue(run.out().contains("\r\n"), "with the terminal's line discipline: " + run);
        assertTrue(run.out().contains("size " + ScriptTerminal.size() + "\r"),
                "the terminal has ctr's size (ResizePty): " + run);
        ScriptTerminal.assertNoNul(run.out());
        assertNothingLeft(id);
    }

    /** Kata's seed repro: a two-container pod (sandbox + container by CRI annotations), exec echo, delete. */
    @Test
    void podOfTwoContainersSharesOneShimAndVmAndLeavesNothingRepeatedly() throws Exception {
        for (int iteration = 0; iteration < SEED_ITERATIONS; iteration++) {
            String pod = id("shim-pod-" + iteration);
            String app = id("shim-app-" + iteration);
            Result sandbox = ctr(RUN, runArgs("-d", "--annotation", "io.kubernetes.cri.container-type=sandbox",
                    PrivateContainerd.IMAGE, pod, "sleep", "1000"));
            assertEquals(0, sandbox.exitCode(), sandbox.toString());
            Result container = ctr(RUN, runArgs("-d", "--annotation", "io.kubernetes.cri.container-type=container",
                    "--annotation", "io.kubernetes.cri.sandbox-id=" + pod, PrivateContainerd.IMAGE, app,
                    "sh", "-c", "sleep 1000"));
            assertEquals(0, container.exitCode(), container.toString());
            assertEquals(task(pod)[1], task(app)[1], "both tasks run in the same VM (the same VMM pid)");
            assertEquals(1, shims(pod).size(), "one shim for the pod");
            assertEquals(List.of(), shims(app), "the container has no shim of its own");
            assertEquals(Files.readString(containerd.bundle(pod).resolve("address")),
                    Files.readString(containerd.bundle(app).resolve("address")), "the app's address is the pod's");

            Result echo = containerd.ctr(QUICK, "task", "exec", "--exec-id", "echo", app, "echo", "hello-" + iteration);
            assertEquals(0, echo.exitCode(), echo.toString());
            assertEquals("hello-" + iteration + "\n", echo.out());

            for (String id : List.of(app, pod)) {
                assertEquals(0, containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id).exitCode());
                awaitStopped(id);
                deleteTaskAndContainer(id);
            }
            assertNothingLeft(pod);
        }
    }

    @Test
    void aShimKilledMidFlightIsCleanedUpByContainerd() throws Exception {
        String id = id("shim-killed");
        runSleeping(id);
        long shimPid = Long.parseLong(Files.readString(containerd.bundle(id).resolve("shim.pid")).trim());
        assertEquals(List.of(shimPid), shims(id).stream().map(ProcessHandle::pid).toList());
        assertTrue(ProcessHandle.of(shimPid).orElseThrow().destroyForcibly(), "SIGKILL the shim");
        // containerd sees the connection close and runs 'containerd-shim-kata-v2 delete', which cleans up.
        await("containerd's cleanup", () -> !Files.exists(Path.of("/run/vc/sbs", id)));
        containerd.ctr(QUICK, "task", "delete", id);
        assertEquals(0, containerd.ctr(QUICK, "container", "delete", id).exitCode());
        assertNothingLeft(id);
        assertTrue(containerd.log().contains("cleaning up after shim disconnected"));
    }

    /**
     * SIGKILL of the VMM or of virtiofsd under a running container: the task exits (a VM without its shared
     * filesystem is stopped, as Kata does, rather than left with every file access hanging), containerd hears of
     * it, and delete leaves nothing.
     */
    @ParameterizedTest(name = "SIGKILL {0}")
    @ValueSource(strings = {"qemu", "virtiofsd"})
    void aVmOrItsSharedFsDyingUnderARunningContainerEndsItsTaskAndDeletesCleanly(String victim) throws Exception {
        String id = id("shim-" + victim + "-dies");
        runSleeping(id);
        long vmm = Long.parseLong(task(id)[1]);
        ProcessHandle qemu = ProcessHandle.of(vmm).orElseThrow();
        assertTrue(qemu.info().command().orElse("").contains("qemu"), "the task's pid is the VMM's");
        ProcessHandle target = victim.equals("qemu") ? qemu : ProcessHandle.allProcesses()
                .filter(process -> process.info().command().orElse("").endsWith("virtiofsd")
                        && process.info().arguments().map(args -> String.join(" ", args)).orElse("").contains(id))
                .findFirst().orElseThrow(() -> new AssertionError("no virtiofsd of " + id));
        assertTrue(target.destroyForcibly(), "SIGKILL " + victim);
        awaitStopped(id);
        await("the exit event", () -> {
            try {
                return containerd.events().stream().anyMatch(l -> l.contains("/tasks/exit") && l.contains(id));
            } catch (IOException e) {
                return false;
            }
        });
        assertFalse(qemu.isAlive(), "QEMU outlived its " + victim);
        deleteTaskAndContainer(id);
        assertNothingLeft(id);
    }

    /** Deletes and Shutdowns racing on the shim's socket: one Delete wins, the rest see it gone, nothing leaks. */
    @Test
    void concurrentDeleteAndShutdownRequestsAreSerialized() throws Exception {
        String id = id("shim-race");
        runSleeping(id);
        assertEquals(0, containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id).exitCode());
        awaitStopped(id);

        Path socket = socketOf(id);
        List<Callable<Code>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(() -> call(socket, "Delete", DeleteRequest.newBuilder().setId(id).build().toByteArray()));
            calls.add(() -> call(socket, "Shutdown", ShutdownRequest.newBuilder().setId(id).build().toByteArray()));
        }
        List<Code> codes = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Code> code : pool.invokeAll(calls)) {
                codes.add(code.get());
            }
        }
        List<Code> deletes = List.of(codes.get(0), codes.get(2), codes.get(4), codes.get(6));
        assertEquals(1, deletes.stream().filter(Code.OK::equals).count(), "exactly one Delete removes it: " + codes);
        assertTrue(codes.stream().allMatch(c -> c == Code.OK || c == Code.NOT_FOUND || c == Code.UNAVAILABLE),
                "the others find it gone (or the shim exited): " + codes);
        assertFalse(containerd.log().contains("level=error source=runtime"), containerd.log());
        containerd.ctr(QUICK, "task", "delete", id);
        assertEquals(0, containerd.ctr(QUICK, "container", "delete", id).exitCode());
        assertNothingLeft(id);
    }

    private static Code call(Path socket, String method, byte[] request) {
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            byte[] answer = client.call("containerd.task.v2.Task", method, request,
                    CallOptions.ofTimeout(Duration.ofSeconds(60)));
            if (method.equals("Delete")) {
                DeleteResponse.parseFrom(answer);
            }
            return Code.OK;
        } catch (StatusException e) {
            return e.code();
        } catch (IOException e) {
            return Code.UNAVAILABLE; // the shim had already exited
        }
    }
}
