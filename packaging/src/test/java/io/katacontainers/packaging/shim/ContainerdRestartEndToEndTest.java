package io.katacontainers.packaging.shim;

import io.katacontainers.containerd.task.KillRequest;
import io.katacontainers.packaging.e2e.Sandboxes;
import io.katacontainers.packaging.shim.PrivateContainerd.Result;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.TtrpcClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pods through one private containerd that restarts under them, and pods created all at once (issue 14): a
 * restarted containerd finds its running pods' shims again ({@code ctr task ls}, exec, kill and delete work) and gets
 * the events they published while it was down; four pods created at the same time all run and all clean up.
 */
@Order(3)
class ContainerdRestartEndToEndTest {
    private static final Duration RUN = Duration.ofSeconds(300);
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final String RUNTIME = "io.containerd.kata.v2";

    @TempDir
    static Path work;
    private static PrivateContainerd containerd;
    private static Path config;
    private final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void startContainerd() throws Exception {
        Sandboxes.requireBuiltTree();
        config = Files.writeString(work.resolve("configuration.toml"), Sandboxes.shippedConfigForSlowGuests());
        containerd = PrivateContainerd.start(work, Sandboxes.DIST.resolve("bin"));
        containerd.importBusybox(Sandboxes.REPO);
        containerd.recordEvents();
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            if (!containerd.isRunning()) {
                containerd.startDaemon();
            }
            containerd.close();
        }
    }

    /** Whatever a failed test left: removed through containerd (running again), so that later tests start clean. */
    @AfterEach
    void removeTasks() throws Exception {
        if (!containerd.isRunning()) {
            containerd.startDaemon();
        }
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

    private List<String> runArgs(String id, String... command) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--runtime", RUNTIME, "--runtime-config-path",
                config.toString(), PrivateContainerd.IMAGE, id));
        args.addAll(List.of(command));
        return args;
    }

    @Test
    void aRestartedContainerdFindsItsRunningPodsAndTheEventsPublishedWhileItWasDown() throws Exception {
        String kept = id("faults-restart-kept");
        String killed = id("faults-restart-killed");
        for (String id : List.of(kept, killed)) {
            Result run = containerd.ctr(RUN, runArgs(id, "sleep", "1000").toArray(String[]::new));
            assertEquals(0, run.exitCode(), run.toString());
        }
        long keptVmm = Long.parseLong(task(kept)[1]);
        List<ProcessHandle> shims = List.of(shim(kept), shim(killed));

        containerd.stopDaemon();
        assertTrue(shims.stream().allMatch(ProcessHandle::isAlive), "the shims outlive containerd");
        // While containerd is down, the second pod's container dies (here: killed through its shim's own socket).
        // Its shim publishes /tasks/exit to a containerd that is not there, and keeps it until one is.
        try (TtrpcClient client = TtrpcClient.connect(socketOf(killed))) {
            client.call("containerd.task.v2.Task", "Kill", KillRequest.newBuilder().setId(killed).setSignal(9)
                    .build().toByteArray(), CallOptions.ofTimeout(QUICK));
        }
        containerd.startDaemon();
        containerd.recordEvents();

        await("containerd to see " + killed + " stopped", () -> "STOPPED".equals(status(killed)));
        assertEquals("RUNNING", status(kept), "the pod kept running through the restart");
        assertEquals(keptVmm, Long.parseLong(task(kept)[1]), "the same VM");
        Result exec = containerd.ctr(QUICK, "task", "exec", "--exec-id", "after-restart", kept, "echo",
                "still-here");
        assertEquals(0, exec.exitCode(), exec.toString());
        assertEquals("still-here\n", exec.out());
        await("the exit published while containerd was down to reach it", () -> {
            try {
                return containerd.log().lines().anyMatch(line -> line.contains("published /tasks/exit to containerd"
                        + " after"));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });

        assertEquals(0, containerd.ctr(QUICK, "task", "kill", "-s", "KILL", kept).exitCode());
        await(kept + " to stop", () -> "STOPPED".equals(status(kept)));
        for (String id : List.of(kept, killed)) {
            Result delete = containerd.ctr(QUICK, "task", "delete", id);
            assertEquals(0, delete.exitCode(), delete.toString());
            assertEquals(0, containerd.ctr(QUICK, "container", "delete", id).exitCode());
        }
        await("the kill of " + kept + " as an event", () -> events(kept, "/tasks/exit"));
        for (String id : List.of(kept, killed)) {
            assertNothingLeft(id);
        }
    }

    @Test
    void fourPodsCreatedAtOnceAllRunAndAllCleanUp() throws Exception {
        List<String> pods = List.of(id("faults-burst-0"), id("faults-burst-1"), id("faults-burst-2"),
                id("faults-burst-3"));
        List<Result> runs = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Result>> started = new ArrayList<>();
            for (String id : pods) {
                started.add(pool.submit(() -> containerd.ctr(RUN, runArgs(id, "sleep", "1000")
                        .toArray(String[]::new))));
            }
            for (Future<Result> run : started) {
                runs.add(run.get());
            }
        }
        for (Result run : runs) {
            assertEquals(0, run.exitCode(), run.toString());
        }
        List<String> vmms = new ArrayList<>();
        for (String id : pods) {
            assertEquals("RUNNING", status(id), id);
            vmms.add(task(id)[1]);
            Result echo = containerd.ctr(QUICK, "task", "exec", "--exec-id", "e", id, "echo", id);
            assertEquals(id + "\n", echo.out(), echo.toString());
        }
        assertEquals(4, vmms.stream().distinct().count(), "a VM each: " + vmms);
        for (String id : pods) {
            assertEquals(0, containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id).exitCode());
        }
        for (String id : pods) {
            await(id + " to stop", () -> "STOPPED".equals(status(id)));
            assertEquals(0, containerd.ctr(QUICK, "task", "delete", id).exitCode());
            assertEquals(0, containerd.ctr(QUICK, "container", "delete", id).exitCode());
        }
        for (String id : pods) {
            assertNothingLeft(id);
        }
    }

    private static boolean events(String id, String topic) {
        try {
            return containerd.events().stream().anyMatch(line -> line.contains(topic) && line.contains(id));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ProcessHandle shim(String id) throws Exception {
        return ProcessHandle.of(Long.parseLong(Files.readString(containerd.bundle(id).resolve("shim.pid")).trim()))
                .orElseThrow(() -> new AssertionError("no shim of " + id));
    }

    /** The task's status and pid as {@code ctr task ls} shows them; empty when it has no task. */
    private static String[] task(String id) {
        try {
            return containerd.ctr(QUICK, "task", "ls").out().lines().map(line -> line.trim().split("\\s+"))
                    .filter(fields -> fields.length == 3 && fields[0].equals(id)).findFirst()
                    .map(fields -> new String[] {fields[2], fields[1]}).orElse(new String[0]);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String status(String id) {
        String[] task = task(id);
        return task.length == 0 ? "" : task[0];
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

    /** No shim, sandbox directory, mount, VMM, virtiofsd or shim socket of the pod survives. */
    private static void assertNothingLeft(String id) throws Exception {
        await("the shim of " + id + " to exit", () -> ProcessHandle.allProcesses().noneMatch(process -> process
                .info().arguments().map(args -> String.join(" ", args))
                .filter(line -> line.contains("ShimMain") && line.contains(containerd.socket().toString())
                        && line.contains("-id " + id)).isPresent()));
        Sandboxes.assertNothingLeft(id);
        assertFalse(Files.exists(socketOf(id)), socketOf(id) + " was left behind");
    }

    /** containerd 1.6's shim socket for a task of the default namespace. */
    private static Path socketOf(String id) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                (containerd.socket() + "/default/" + id).getBytes(StandardCharsets.UTF_8));
        return Path.of("/run/containerd/s", HexFormat.of().formatHex(digest));
    }
}
