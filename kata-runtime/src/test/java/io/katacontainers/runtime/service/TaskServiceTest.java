package io.katacontainers.runtime.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.katacontainers.containerd.task.CheckpointTaskRequest;
import io.katacontainers.containerd.task.CloseIORequest;
import io.katacontainers.containerd.task.ConnectRequest;
import io.katacontainers.containerd.task.ConnectResponse;
import io.katacontainers.containerd.task.CreateTaskRequest;
import io.katacontainers.containerd.task.CreateTaskResponse;
import io.katacontainers.containerd.task.DeleteRequest;
import io.katacontainers.containerd.task.DeleteResponse;
import io.katacontainers.containerd.task.ExecProcessRequest;
import io.katacontainers.containerd.task.KillRequest;
import io.katacontainers.containerd.task.PauseRequest;
import io.katacontainers.containerd.task.PidsRequest;
import io.katacontainers.containerd.task.PidsResponse;
import io.katacontainers.containerd.task.ResizePtyRequest;
import io.katacontainers.containerd.task.ResumeRequest;
import io.katacontainers.containerd.task.ShutdownRequest;
import io.katacontainers.containerd.task.StartRequest;
import io.katacontainers.containerd.task.StateRequest;
import io.katacontainers.containerd.task.StateResponse;
import io.katacontainers.containerd.task.StatsRequest;
import io.katacontainers.containerd.task.StatsResponse;
import io.katacontainers.containerd.task.UpdateTaskRequest;
import io.katacontainers.containerd.types.Status;
import io.katacontainers.runtime.core.FakeHypervisorDriver;
import io.katacontainers.runtime.core.InMemoryAgent;
import io.katacontainers.runtime.shim.PodAnnotations;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit tier of containerd-shim-kata-v2 against an agent in memory ({@link InMemoryAgent}), where a test can
 * script what a real agent cannot be made to do on demand: every task RPC, every transition of a process (the
 * invalid ones refused with their code), the calls the agent receives and their order, an exit or an OOM kill at a
 * chosen moment, and the mapping of an agent's typed refusal to the ttrpc code containerd sees. The same service
 * with the real agent and runc containers: {@link TaskServiceHostAgentTest}. No VM: seconds.
 */
class TaskServiceTest {
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    @TempDir
    Path dir;
    private InMemoryAgent agent;
    private FakeHypervisorDriver driver;
    private ShimHarness shim;

    @BeforeEach
    void startShim() throws Exception {
        agent = InMemoryAgent.serve(dir.resolve("agent.sock"));
        driver = new FakeHypervisorDriver(dir.resolve("agent.sock"));
        shim = new ShimHarness(dir, driver);
    }

    @AfterEach
    void stopShim() throws Exception {
        shim.close();
        agent.close();
    }

    private <R> R call(String method, MessageLite request, Parser<R> parser) throws StatusException {
        return shim.call(method, request, parser);
    }

    private void refused(Code code, String method, MessageLite request) {
        shim.refused(code, method, request);
    }

    private Path bundle(String name, List<String> args, Map<String, String> annotations) throws IOException {
        return shim.bundle(name, args, annotations);
    }

    private CreateTaskRequest.Builder create(String id, Path bundle) {
        return shim.create(id, bundle);
    }

    private CreateTaskResponse createContainer(String id, List<String> args) throws Exception {
        return shim.createContainer(id, args);
    }

    private static ExecProcessRequest exec(String id, String execId, String... args) {
        return ShimHarness.exec(id, execId, args);
    }

    private Status status(String id, String execId) throws StatusException {
        return shim.status(id, execId);
    }

    private int await(String id, String execId) throws StatusException {
        return shim.await(id, execId);
    }

    private List<String> topicsUpTo(String last) throws InterruptedException {
        return shim.topicsUpTo(last);
    }

    @Test
    void aContainerGoesThroughEveryStateWithItsEvents() throws Exception {
        int pid = createContainer("c1", List.of("sleep")).getPid();
        assertEquals(ProcessHandle.current().pid(), pid, "the task's pid is the VMM's");
        assertEquals(Status.CREATED, status("c1", ""));
        call("Start", StartRequest.newBuilder().setId("c1").build(), io.katacontainers.containerd.task.StartResponse
                .parser());
        assertEquals(Status.RUNNING, status("c1", ""));
        call("Pause", PauseRequest.newBuilder().setId("c1").build(), Empty.parser());
        assertEquals(Status.PAUSED, status("c1", ""));
        call("Resume", ResumeRequest.newBuilder().setId("c1").build(), Empty.parser());
        assertEquals(Status.RUNNING, status("c1", ""));

        call("Exec", exec("c1", "e1", "echo", "hi"), Empty.parser());
        assertEquals(Status.CREATED, status("c1", "e1"));
        call("Start", StartRequest.newBuilder().setId("c1").setExecId("e1").build(),
                io.katacontainers.containerd.task.StartResponse.parser());
        assertEquals(0, await("c1", "e1"));
        assertEquals(Status.STOPPED, status("c1", "e1"));
        call("Delete", DeleteRequest.newBuilder().setId("c1").setExecId("e1").build(), DeleteResponse.parser());
        refused(Code.NOT_FOUND, "State", StateRequest.newBuilder().setId("c1").setExecId("e1").build());

        call("Kill", KillRequest.newBuilder().setId("c1").setSignal(SIGTERM).build(), Empty.parser());
        assertEquals(128 + SIGTERM, await("c1", ""));
        StateResponse stopped = call("State", StateRequest.newBuilder().setId("c1").build(), StateResponse.parser());
        assertEquals(Status.STOPPED, stopped.getStatus());
        assertEquals(128 + SIGTERM, stopped.getExitStatus());
        DeleteResponse deleted = call("Delete", DeleteRequest.newBuilder().setId("c1").build(),
                DeleteResponse.parser());
        assertEquals(128 + SIGTERM, deleted.getExitStatus());
        assertEquals(1, driver.vmsStopped().get(), "the last container took the VM with it");
        refused(Code.NOT_FOUND, "State", StateRequest.newBuilder().setId("c1").build());

        call("Shutdown", ShutdownRequest.getDefaultInstance(), Empty.parser());
        assertTrue(shim.shutDown());
        assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed",
                "/tasks/exec-added", "/tasks/exec-started", "/tasks/exit", "/tasks/exit", "/tasks/delete"),
                topicsUpTo("/tasks/delete"));
        assertEquals(List.of("CreateSandbox c1/", "CreateContainer c1/c1", "StartContainer c1/",
                "PauseContainer c1/", "ResumeContainer c1/", "ExecProcess c1/e1", "SignalProcess 15 c1/c1",
                "DestroySandbox /"), agent.calls().stream().filter(call -> !call.startsWith("CloseStdin")).toList(),
                "the init goes by the container's id in the agent (stdin without a FIFO closes at any time)");
        assertTrue(Files.notExists(shim.sandboxDir("c1")), "the sandbox directory is gone");
    }

    @Test
    void everyInvalidTransitionIsRefusedWithItsCode() throws Exception {
        createContainer("c1", List.of("sleep"));
        refused(Code.FAILED_PRECONDITION, "Pause", PauseRequest.newBuilder().setId("c1").build());
        refused(Code.FAILED_PRECONDITION, "Resume", ResumeRequest.newBuilder().setId("c1").build());
        refused(Code.ALREADY_EXISTS, "Create", create("c1", dir.resolve("c1")).build());
        call("Start", StartRequest.newBuilder().setId("c1").build(), Empty.parser());
        refused(Code.FAILED_PRECONDITION, "Start", StartRequest.newBuilder().setId("c1").build());
        refused(Code.FAILED_PRECONDITION, "Resume", ResumeRequest.newBuilder().setId("c1").build());
        call("Pause", PauseRequest.newBuilder().setId("c1").build(), Empty.parser());
        refused(Code.FAILED_PRECONDITION, "Pause", PauseRequest.newBuilder().setId("c1").build());
        refused(Code.FAILED_PRECONDITION, "Start", StartRequest.newBuilder().setId("c1").build());
        call("Resume", ResumeRequest.newBuilder().setId("c1").build(), Empty.parser());

        call("Exec", exec("c1", "e1", "sleep"), Empty.parser());
        refused(Code.ALREADY_EXISTS, "Exec", exec("c1", "e1", "sleep"));
        refused(Code.INVALID_ARGUMENT, "Exec", exec("c1", "", "sleep"));
        refused(Code.INVALID_ARGUMENT, "Exec", exec("c1", "e2"));
        call("Start", StartRequest.newBuilder().setId("c1").setExecId("e1").build(), Empty.parser());
        refused(Code.FAILED_PRECONDITION, "Start", StartRequest.newBuilder().setId("c1").setExecId("e1").build());
        refused(Code.FAILED_PRECONDITION, "Delete", DeleteRequest.newBuilder().setId("c1").setExecId("e1").build());
        refused(Code.FAILED_PRECONDITION, "ResizePty", ResizePtyRequest.newBuilder().setId("c1").setExecId("e1")
                .setHeight(24).setWidth(80).build());

        agent.exit("c1", "c1", 3);
        assertEquals(3, await("c1", ""));
        refused(Code.FAILED_PRECONDITION, "Start", StartRequest.newBuilder().setId("c1").build());
        refused(Code.FAILED_PRECONDITION, "Pause", PauseRequest.newBuilder().setId("c1").build());
        refused(Code.FAILED_PRECONDITION, "Resume", ResumeRequest.newBuilder().setId("c1").build());
        refused(Code.FAILED_PRECONDITION, "Exec", exec("c1", "e3", "sleep"));
        refused(Code.FAILED_PRECONDITION, "Stats", StatsRequest.newBuilder().setId("c1").build());
        call("Kill", KillRequest.newBuilder().setId("c1").setSignal(SIGKILL).build(), Empty.parser());

        refused(Code.NOT_FOUND, "Start", StartRequest.newBuilder().setId("nope").build());
        refused(Code.NOT_FOUND, "Kill", KillRequest.newBuilder().setId("c1").setExecId("nope").build());
        refused(Code.UNIMPLEMENTED, "Checkpoint", CheckpointTaskRequest.newBuilder().setId("c1").build());
        refused(Code.UNIMPLEMENTED, "Create", create("c2", dir.resolve("c1")).setCheckpoint("/x").build());
        refused(Code.INVALID_ARGUMENT, "Update", UpdateTaskRequest.newBuilder().setId("c1").build());
        refused(Code.INVALID_ARGUMENT, "Create", create("c2", dir.resolve("missing")).build());
    }

    @Test
    void killBeforeStartEndsTheProcessAndDeleteKillsARunningOne() throws Exception {
        createContainer("c1", List.of("sleep"));
        call("Kill", KillRequest.newBuilder().setId("c1").setSignal(SIGKILL).build(), Empty.parser());
        assertEquals(128 + SIGKILL, await("c1", ""), "a process never started ends as if the signal killed it");
        call("Kill", KillRequest.newBuilder().setId("c1").setSignal(SIGKILL).build(), Empty.parser());
        call("Delete", DeleteRequest.newBuilder().setId("c1").build(), DeleteResponse.parser());

        createContainer("c2", List.of("sleep"));
        call("Start", StartRequest.newBuilder().setId("c2").build(), Empty.parser());
        DeleteResponse deleted = call("Delete", DeleteRequest.newBuilder().setId("c2").build(),
                DeleteResponse.parser());
        assertEquals(128 + SIGKILL, deleted.getExitStatus());
        assertTrue(agent.calls().contains("SignalProcess 9 c2/"), "Delete signals every process: " + agent.calls());
    }

    /** A VM that stops on its own (its VMM killed) ends the task created in it but never started. */
    @Test
    void aCreatedTaskWhoseVmDiesExits() throws Exception {
        createContainer("c1", List.of("sleep"));
        assertEquals(Status.CREATED, status("c1", ""));
        driver.crash(0);
        assertEquals(255, await("c1", ""), "the exit status of a process whose VM went away");
        refused(Code.FAILED_PRECONDITION, "Start", StartRequest.newBuilder().setId("c1").build());
        call("Delete", DeleteRequest.newBuilder().setId("c1").build(), DeleteResponse.parser());
    }

    @Test
    void anAgentsRefusalReachesContainerdWithItsCodeAndTheProcessStaysCreated() throws Exception {
        createContainer("c1", List.of("refuse"));
        refused(Code.FAILED_PRECONDITION, "Start", StartRequest.newBuilder().setId("c1").build());
        assertEquals(Status.CREATED, status("c1", ""));
    }

    @Test
    void theOtherCallsAnswer() throws Exception {
        createContainer("c1", List.of("sleep"));
        call("Start", StartRequest.newBuilder().setId("c1").build(), Empty.parser());
        PidsResponse pids = call("Pids", PidsRequest.newBuilder().setId("c1").build(), PidsResponse.parser());
        assertEquals(ProcessHandle.current().pid(), pids.getProcesses(0).getPid());
        ConnectResponse connect = call("Connect", ConnectRequest.newBuilder().setId("c1").build(),
                ConnectResponse.parser());
        assertEquals(ProcessHandle.current().pid(), connect.getShimPid());
        assertTrue(call("Stats", StatsRequest.newBuilder().setId("c1").build(), StatsResponse.parser()).hasStats());
        call("CloseIO", CloseIORequest.newBuilder().setId("c1").setStdin(true).build(), Empty.parser());

        call("Exec", exec("c1", "t1", "sleep").toBuilder().setTerminal(true).build(), Empty.parser());
        call("ResizePty", ResizePtyRequest.newBuilder().setId("c1").setExecId("t1").setHeight(24).setWidth(80)
                .build(), Empty.parser());
        call("Start", StartRequest.newBuilder().setId("c1").setExecId("t1").build(), Empty.parser());
        call("ResizePty", ResizePtyRequest.newBuilder().setId("c1").setExecId("t1").setHeight(50).setWidth(132)
                .build(), Empty.parser());
        assertTrue(agent.calls().contains("TtyWinResize 50x132 c1/t1"), agent.calls().toString());

        agent.oomKill("c1");
        assertEquals("/tasks/oom", topicsUpTo("/tasks/oom").getLast());
        call("Shutdown", ShutdownRequest.getDefaultInstance(), Empty.parser());
        assertTrue(shim.stillServing(), "Shutdown with a container left keeps the shim");
    }

    @Test
    void containersOfOnePodShareTheVmUntilTheLastIsDeleted() throws Exception {
        createContainer("pod", List.of("sleep"));
        Map<String, String> inPod = Map.of(PodAnnotations.CONTAINER_TYPE, PodAnnotations.TYPE_CONTAINER,
                PodAnnotations.SANDBOX_ID, "pod");
        call("Create", create("app", bundle("app", List.of("echo", "hi"), inPod)).build(), Empty.parser());
        refused(Code.FAILED_PRECONDITION, "Create", create("other", bundle("other", List.of("sleep"),
                Map.of(PodAnnotations.CONTAINER_TYPE, PodAnnotations.TYPE_CONTAINER,
                        PodAnnotations.SANDBOX_ID, "another-pod"))).build());
        call("Start", StartRequest.newBuilder().setId("app").build(), Empty.parser());
        assertEquals(0, await("app", ""));
        call("Delete", DeleteRequest.newBuilder().setId("app").build(), DeleteResponse.parser());
        assertEquals(0, driver.vmsStopped().get(), "the pod's VM stays");
        call("Delete", DeleteRequest.newBuilder().setId("pod").build(), DeleteResponse.parser());
        assertEquals(1, driver.vmsStarted().get());
        assertEquals(1, driver.vmsStopped().get());
    }
}
