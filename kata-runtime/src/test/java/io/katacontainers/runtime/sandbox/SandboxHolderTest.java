package io.katacontainers.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.config.ConfigLookup;
import io.katacontainers.runtime.core.FakeHypervisorDriver;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.core.InMemoryAgent;
import io.katacontainers.runtime.core.SandboxBootstrap;
import io.katacontainers.runtime.io.ExitWatcher;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.runtime.persist.StateStore;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox holder of the runc-like commands, in this process against the fake driver and an agent in memory:
 * its state file follows the container (created, running, its exit status), a wait that fails still records the
 * container as stopped (it used to stay "running"), and Shutdown through the control socket removes everything.
 */
class SandboxHolderTest {
    private static final String ID = "core19-holder";

    @TempDir
    Path dir;
    private InMemoryAgent agent;
    private Path runDir;
    private SandboxHolder holder;

    @BeforeEach
    void startAgent() throws Exception {
        agent = InMemoryAgent.serve(dir.resolve("agent.sock"));
    }

    @AfterEach
    void stopAgent() throws Exception {
        agent.close();
    }

    private void hold(String... args) throws Exception {
        Path config = Files.writeString(dir.resolve("configuration.toml"), "[hypervisor.qemu]\n[agent.kata]\n"
                + "dial_timeout = 5\n");
        Spec spec = Spec.newBuilder().setProcess(Process.newBuilder().addAllArgs(List.of(args)).setCwd("/")).build();
        SandboxBootstrap bootstrap = SandboxBootstrap.plan(ID, spec, ConfigLookup.forCli(Optional.of(config)),
                new FakeHypervisorDriver(dir.resolve("agent.sock")).drivers());
        runDir = bootstrap.claimDir(new StateStore(dir.resolve("sbs")), SandboxBootstrap.StaleDir.REFUSE);
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        ContainerState state = new ContainerState(ID, dir.toString(), rootfs.toString(), ContainerState.CREATING,
                ProcessHandle.current().pid(), 0, 0, ContainerState.now(), null, Map.of());
        state.write(runDir);
        Sandbox sandbox = bootstrap.boot(runDir);
        sandbox.createContainer(ID, spec, rootfs);
        holder = new SandboxHolder(sandbox, ID, runDir, state);
        holder.serve(new GuestProcess.Stdio(false, InputStream.nullInputStream(), new ByteArrayOutputStream(),
                new ByteArrayOutputStream()));
    }

    /** The state file once {@code condition} holds, woken by each write of it (inotify), up to 20 s. */
    private ContainerState awaitState(Predicate<ContainerState> condition) throws Exception {
        try (WatchService watcher = runDir.getFileSystem().newWatchService()) {
            runDir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                ContainerState state = ContainerState.read(runDir).orElseThrow();
                if (condition.test(state)) {
                    return state;
                }
                var key = watcher.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                assertTrue(key != null, "state never reached; last: " + state);
                key.pollEvents();
                key.reset();
            }
        }
    }

    /**
     * The container's end ends the holder by itself (containerd's runc shim and conmon reap it and take its status
     * as the container's); the VM is gone and the state stays, stopped with the status, until delete.
     */
    private void awaitHolderEnd(int status) throws Exception {
        assertEquals(status, holder.awaitShutdown(), "the holder exits with the container's status");
        assertEquals(ContainerState.STOPPED, ContainerState.read(runDir).orElseThrow().status(), "kept for delete");
    }

    private void shutDown() throws Exception {
        try (AgentClient control = AgentClient.connect(runDir.resolve(ContainerState.CONTROL_SOCKET))) {
            control.callEmpty(SandboxHolder.SERVICE, "Shutdown", Duration.ofSeconds(20));
        }
        holder.awaitShutdown();
        assertTrue(Files.notExists(runDir), "the sandbox directory is gone");
    }

    @Test
    void theStateFileFollowsTheContainerToItsExitStatus() throws Exception {
        hold("exit", "3");
        assertEquals(ContainerState.CREATED, ContainerState.read(runDir).orElseThrow().status());
        try (AgentClient control = AgentClient.connect(runDir.resolve(ContainerState.CONTROL_SOCKET))) {
            control.startContainer(ID); // through the control socket, as kata-runtime start does
        }
        ContainerState stopped = awaitState(state -> state.exitStatus() != null);
        assertEquals(3, stopped.exitStatus());
        assertEquals(ContainerState.STOPPED, stopped.status());
        awaitHolderEnd(3);
    }

    @Test
    void aShutdownCallDestroysTheSandboxAndItsState() throws Exception {
        hold("sleep");
        try (AgentClient control = AgentClient.connect(runDir.resolve(ContainerState.CONTROL_SOCKET))) {
            control.startContainer(ID);
        }
        assertEquals(ContainerState.RUNNING, awaitState(state -> !state.status().equals(ContainerState.CREATED))
                .status());
        shutDown();
    }

    @Test
    void aWaitThatFailsStillRecordsTheContainerAsStopped() throws Exception {
        hold("sleep");
        try (AgentClient control = AgentClient.connect(runDir.resolve(ContainerState.CONTROL_SOCKET))) {
            control.startContainer(ID);
        }
        assertEquals(ContainerState.RUNNING, awaitState(state -> !state.status().equals(ContainerState.CREATED))
                .status());
        agent.close(); // the guest goes away: WaitProcess fails
        ContainerState lost = awaitState(state -> state.exitStatus() != null);
        assertEquals(ContainerState.STOPPED, lost.status(), "not left running");
        assertEquals(ExitWatcher.LOST_STATUS, lost.exitStatus());
        awaitHolderEnd(ExitWatcher.LOST_STATUS);
    }
}
