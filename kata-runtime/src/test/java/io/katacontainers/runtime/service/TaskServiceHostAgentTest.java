package io.katacontainers.runtime.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.containerd.task.CreateTaskResponse;
import io.katacontainers.containerd.task.DeleteRequest;
import io.katacontainers.containerd.task.DeleteResponse;
import io.katacontainers.containerd.task.KillRequest;
import io.katacontainers.containerd.task.PauseRequest;
import io.katacontainers.containerd.task.PidsRequest;
import io.katacontainers.containerd.task.PidsResponse;
import io.katacontainers.containerd.task.ResumeRequest;
import io.katacontainers.containerd.task.ShutdownRequest;
import io.katacontainers.containerd.task.StartRequest;
import io.katacontainers.containerd.task.StateRequest;
import io.katacontainers.containerd.task.StateResponse;
import io.katacontainers.containerd.types.Status;
import io.katacontainers.runtime.core.FakeHypervisorDriver;
import io.katacontainers.runtime.shim.PodAnnotations;
import io.katacontainers.ttrpc.Code;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit tier of containerd-shim-kata-v2 against the real kata-agent in host mode: each fake VM's guest is the
 * agent in its own JVM and mount namespace, running busybox containers with runc on this host, so the task RPCs,
 * the state machine and the error codes meet real processes, real output and a real agent's refusals. No VM:
 * seconds (an agent JVM per sandbox). Needs root, runc and busybox-static, as CI has.
 */
class TaskServiceHostAgentTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final int SIGKILL = 9;

    @TempDir
    Path dir;
    private FakeHypervisorDriver driver;
    private ShimHarness shim;

    @BeforeEach
    void startShim() throws Exception {
        driver = FakeHypervisorDriver.withHostAgent(dir.resolve("vms"));
        shim = new ShimHarness(dir, driver);
    }

    @AfterEach
    void stopShim() throws Exception {
        shim.close();
        assertEquals(driver.vmsStarted().get(), driver.vmsStopped().get(), "every VM (and its agent) stopped");
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(dir.toString())).toList();
        assertEquals(List.of(), mounts, "no mount is left behind");
    }

    /** A bundle whose rootfs is busybox-static with the applets the tests use. */
    private Path busyboxBundle(String id, List<String> args, Map<String, String> annotations) throws IOException {
        if (!Files.isExecutable(BUSYBOX)) {
            throw new IllegalStateException("the unit tier needs busybox-static (packaging/scripts/install-deps.sh)");
        }
        Path bundle = shim.bundle(id, args, annotations);
        Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : List.of("sh", "echo", "sleep", "cat", "true")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        return bundle;
    }

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        return fifo;
    }

    /**
     * Everything written to {@code fifo} until its writer closes it, read from a platform thread: opening a FIFO
     * blocks in open(2) until a writer comes, which would pin a virtual thread's carrier (and, two FIFOs on two
     * cores, stall every virtual thread, the shim's ttrpc calls among them).
     */
    private static CompletableFuture<String> readAll(Path fifo) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("read " + fifo.getFileName()).start(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(e);
            }
        });
        return text;
    }

    @Test
    void aRuncContainerGoesThroughEveryStateWithItsOutputAndEvents() throws Exception {
        Path out = fifo("c1.out");
        CompletableFuture<String> output = readAll(out);
        CreateTaskResponse created = shim.call("Create", shim.create("c1", busyboxBundle("c1",
                List.of("sh", "-c", "echo hello from runc; exec sleep 1000"), Map.of())).setStdout(out.toString())
                .build(), CreateTaskResponse.parser());
        assertNotEquals(ProcessHandle.current().pid(), created.getPid(), "the task's pid is the agent's");
        assertEquals(Status.CREATED, shim.status("c1", ""));
        shim.call("Start", StartRequest.newBuilder().setId("c1").build());
        assertEquals(Status.RUNNING, shim.status("c1", ""));
        shim.call("Pause", PauseRequest.newBuilder().setId("c1").build());
        assertEquals(Status.PAUSED, shim.status("c1", ""));
        shim.refused(Code.FAILED_PRECONDITION, "Pause", PauseRequest.newBuilder().setId("c1").build());
        shim.call("Resume", ResumeRequest.newBuilder().setId("c1").build());
        assertEquals(Status.RUNNING, shim.status("c1", ""));

        Path execOut = fifo("e1.out");
        CompletableFuture<String> execOutput = readAll(execOut);
        shim.call("Exec", ShimHarness.exec("c1", "e1", "sh", "-c", "cat /proc/1/cmdline; exit 7")
                .toBuilder().setStdout(execOut.toString()).build());
        shim.call("Start", StartRequest.newBuilder().setId("c1").setExecId("e1").build());
        assertEquals(7, shim.await("c1", "e1"));
        assertEquals("sleep\u00001000\u0000", execOutput.get(20, TimeUnit.SECONDS),
                "the exec ran in the container's pid ns");
        shim.call("Delete", DeleteRequest.newBuilder().setId("c1").setExecId("e1").build());
        shim.refused(Code.NOT_FOUND, "State", StateRequest.newBuilder().setId("c1").setExecId("e1").build());
        PidsResponse pids = shim.call("Pids", PidsRequest.newBuilder().setId("c1").build(), PidsResponse.parser());
        assertEquals(created.getPid(), pids.getProcesses(0).getPid());

        shim.call("Kill", KillRequest.newBuilder().setId("c1").setSignal(SIGKILL).build());
        assertEquals(128 + SIGKILL, shim.await("c1", ""));
        assertEquals("hello from runc\n", output.get(20, TimeUnit.SECONDS), "all output, then end of file");
        StateResponse stopped = shim.call("State", StateRequest.newBuilder().setId("c1").build(),
                StateResponse.parser());
        assertEquals(Status.STOPPED, stopped.getStatus());
        shim.refused(Code.FAILED_PRECONDITION, "Start", StartRequest.newBuilder().setId("c1").build());
        DeleteResponse deleted = shim.call("Delete", DeleteRequest.newBuilder().setId("c1").build(),
                DeleteResponse.parser());
        assertEquals(128 + SIGKILL, deleted.getExitStatus());
        assertEquals(1, driver.vmsStopped().get(), "the last container took the VM (and its agent) with it");
        shim.call("Shutdown", ShutdownRequest.getDefaultInstance());
        assertTrue(shim.shutDown());
        assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed",
                "/tasks/exec-added", "/tasks/exec-started", "/tasks/exit", "/tasks/exit", "/tasks/delete"),
                shim.topicsUpTo("/tasks/delete"));
        assertFalse(Files.exists(shim.sandboxDir("c1")), "the sandbox directory is gone");
    }

    @Test
    void aProcessThatEndsByItselfReportsItsStatusAndEveryLineOfOutput() throws Exception {
        Path out = fifo("c1.out");
        Path err = fifo("c1.err");
        CompletableFuture<String> output = readAll(out);
        CompletableFuture<String> errors = readAll(err);
        shim.call("Create", shim.create("c1", busyboxBundle("c1", List.of("sh", "-c",
                "for i in 1 2 3 4 5 6 7 8 9; do echo line $i; done; echo oops >&2; exit 3"), Map.of()))
                .setStdout(out.toString()).setStderr(err.toString()).build());
        shim.call("Start", StartRequest.newBuilder().setId("c1").build());
        assertEquals(3, shim.await("c1", ""));
        assertEquals("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\n",
                output.get(20, TimeUnit.SECONDS));
        assertEquals("oops\n", errors.get(20, TimeUnit.SECONDS));
        shim.refused(Code.FAILED_PRECONDITION, "Exec", ShimHarness.exec("c1", "e1", "true"));
        shim.refused(Code.FAILED_PRECONDITION, "Pause", PauseRequest.newBuilder().setId("c1").build());
        assertEquals(3, shim.call("Delete", DeleteRequest.newBuilder().setId("c1").build(),
                DeleteResponse.parser()).getExitStatus());
    }

    @Test
    void whatTheRealAgentRefusesReachesContainerdWithItsCodeAndLeavesNothing() throws Exception {
        shim.call("Create", shim.create("c1", busyboxBundle("c1", List.of("sleep", "1000"), Map.of())).build());
        String message = shim.refused(Code.INVALID_ARGUMENT, "Exec", ShimHarness.exec("c1", "e1"));
        assertTrue(message.contains("args"), message);
        // runc refuses a binary the rootfs does not have; the container stays as it was.
        shim.call("Start", StartRequest.newBuilder().setId("c1").build());
        shim.call("Exec", ShimHarness.exec("c1", "e2", "/bin/no-such-binary"));
        String failed = shim.refused(Code.INTERNAL, "Start", StartRequest.newBuilder().setId("c1").setExecId("e2")
                .build());
        assertTrue(failed.contains("no-such-binary"), failed);
        assertEquals(Status.CREATED, shim.status("c1", "e2"), "a process that did not start stays created");
        assertEquals(Status.RUNNING, shim.status("c1", ""));
        shim.call("Delete", DeleteRequest.newBuilder().setId("c1").setExecId("e2").build());
        assertEquals(128 + SIGKILL, shim.call("Delete", DeleteRequest.newBuilder().setId("c1").build(),
                DeleteResponse.parser()).getExitStatus(), "Delete kills a running container");
    }

    @Test
    void containersOfOnePodShareOneAgentUntilTheLastIsDeleted() throws Exception {
        shim.call("Create", shim.create("pod", busyboxBundle("pod", List.of("sleep", "1000"), Map.of())).build());
        shim.call("Start", StartRequest.newBuilder().setId("pod").build());
        Path out = fifo("app.out");
        CompletableFuture<String> output = readAll(out);
        shim.call("Create", shim.create("app", busyboxBundle("app", List.of("echo", "app says hi"),
                Map.of(PodAnnotations.CONTAINER_TYPE, PodAnnotations.TYPE_CONTAINER,
                        PodAnnotations.SANDBOX_ID, "pod"))).setStdout(out.toString()).build());
        shim.call("Start", StartRequest.newBuilder().setId("app").build());
        assertEquals(0, shim.await("app", ""));
        assertEquals("app says hi\n", output.get(20, TimeUnit.SECONDS));
        shim.call("Delete", DeleteRequest.newBuilder().setId("app").build());
        assertEquals(0, driver.vmsStopped().get(), "the pod's VM stays");
        shim.call("Delete", DeleteRequest.newBuilder().setId("pod").build());
        assertEquals(1, driver.vmsStarted().get());
        assertEquals(1, driver.vmsStopped().get());
    }
}
