package io.katacontainers.runtime.service;

import com.google.protobuf.Empty;
import io.katacontainers.containerd.events.TaskCreate;
import io.katacontainers.containerd.events.TaskDelete;
import io.katacontainers.containerd.events.TaskExecAdded;
import io.katacontainers.containerd.events.TaskExecStarted;
import io.katacontainers.containerd.events.TaskExit;
import io.katacontainers.containerd.events.TaskIO;
import io.katacontainers.containerd.events.TaskOOM;
import io.katacontainers.containerd.events.TaskPaused;
import io.katacontainers.containerd.events.TaskResumed;
import io.katacontainers.containerd.events.TaskStart;
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
import io.katacontainers.containerd.task.StartResponse;
import io.katacontainers.containerd.task.StateRequest;
import io.katacontainers.containerd.task.StateResponse;
import io.katacontainers.containerd.task.StatsRequest;
import io.katacontainers.containerd.task.StatsResponse;
import io.katacontainers.containerd.task.UpdateTaskRequest;
import io.katacontainers.containerd.task.WaitRequest;
import io.katacontainers.containerd.task.WaitResponse;
import io.katacontainers.containerd.types.ProcessInfo;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.runtime.config.env.RuntimeVersion;
import io.katacontainers.runtime.core.HypervisorDrivers;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.ttrpc.ServiceDefinition;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * containerd's task service ({@value #SERVICE}) for one pod, a thin adapter: it looks up the container and process
 * a request names, delegates to them ({@link ShimPod} boots and tears down the sandbox, {@link ShimProcess} owns
 * each process's state machine) and publishes the events. Calls that change the sandbox (Create, Start, Exec,
 * Kill, Pause, Resume, Update, Delete, Shutdown) hold one lock, so hypervisor and agent control calls never
 * interleave; State, Wait, Stats and the stdio calls do not wait for it. Failures are typed
 * ({@link ErrdefsException}, or an agent's own kind) and reach containerd with their code.
 */
public final class TaskService {
    public static final String SERVICE = "containerd.task.v2.Task";
    private static final System.Logger LOG = System.getLogger(TaskService.class.getName());
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final EventPublisher events;
    private final Runnable onShutdown;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final ShimPod pod;
    private boolean shutDown;

    /** @param onShutdown runs once Shutdown found no container left and the sandbox is gone */
    public TaskService(StateStore store, HypervisorDrivers drivers, EventPublisher events, Runnable onShutdown) {
        this.pod = new ShimPod(store, drivers);
        this.events = events;
        this.onShutdown = onShutdown;
    }

    /** The pod's sandbox while it exists (for the metrics endpoint); read without the lifecycle lock. */
    public Optional<Sandbox> sandbox() {
        return pod.sandbox();
    }

    public ServiceDefinition definition() {
        return ServiceDefinition.builder(SERVICE)
                .method("State", StateRequest.parser(), (request, context) -> state(request))
                .method("Create", CreateTaskRequest.parser(), (request, context) -> create(request))
                .method("Start", StartRequest.parser(), (request, context) -> start(request))
                .method("Delete", DeleteRequest.parser(), (request, context) -> delete(request))
                .method("Pids", PidsRequest.parser(), (request, context) -> pids(request))
                .method("Pause", PauseRequest.parser(), (request, context) -> pause(request.getId()))
                .method("Resume", ResumeRequest.parser(), (request, context) -> resume(request.getId()))
                .method("Checkpoint", CheckpointTaskRequest.parser(), (request, context) -> {
                    throw ErrdefsException.notImplemented("checkpoint is not implemented by Kata Containers: a "
                            + "VM's containers cannot be checkpointed with CRIU");
                })
                .method("Kill", KillRequest.parser(), (request, context) -> kill(request))
                .method("Exec", ExecProcessRequest.parser(), (request, context) -> exec(request))
                .method("ResizePty", ResizePtyRequest.parser(), (request, context) -> resizePty(request))
                .method("CloseIO", CloseIORequest.parser(), (request, context) -> closeIo(request))
                .method("Update", UpdateTaskRequest.parser(), (request, context) -> update(request))
                .method("Wait", WaitRequest.parser(), (request, context) -> await(request))
                .method("Stats", StatsRequest.parser(), (request, context) -> stats(request))
                .method("Connect", ConnectRequest.parser(), (request, context) -> connect(request))
                .method("Shutdown", ShutdownRequest.parser(), (request, context) -> shutdown())
                .build();
    }

    /** Runs {@code call} under the lifecycle lock. */
    private <T> T locked(LockedCall<T> call) throws Exception {
        lifecycle.lock();
        try {
            return call.run();
        } finally {
            lifecycle.unlock();
        }
    }

    @FunctionalInterface
    private interface LockedCall<T> {
        T run() throws Exception;
    }

    private CreateTaskResponse create(CreateTaskRequest request) throws Exception {
        if (!request.getCheckpoint().isEmpty()) {
            throw ErrdefsException.notImplemented("restoring from a checkpoint is not supported by Kata Containers");
        }
        long begin = System.nanoTime();
        return locked(() -> {
            if (shutDown) {
                throw ErrdefsException.failedPrecondition("the shim is shutting down");
            }
            ShimContainer container = pod.create(request, this::exited,
                    id -> events.publish(TaskOOM.newBuilder().setContainerId(id).build()));
            events.publish(TaskCreate.newBuilder().setContainerId(container.id()).setBundle(request.getBundle())
                    .addAllRootfs(request.getRootfsList())
                    .setIo(TaskIO.newBuilder().setStdin(request.getStdin()).setStdout(request.getStdout())
                            .setStderr(request.getStderr()).setTerminal(request.getTerminal()))
                    .setCheckpoint(request.getCheckpoint()).setPid(pod.pid()).build());
            LOG.log(System.Logger.Level.INFO, "Create of {0} took {1} ms", container.id(), millisSince(begin));
            return CreateTaskResponse.newBuilder().setPid(pod.pid()).build();
        });
    }

    private Empty exec(ExecProcessRequest request) throws Exception {
        return locked(() -> {
            ShimContainer container = pod.container(request.getId());
            container.addExec(ShimProcess.exec(request, this::exited));
            events.publish(TaskExecAdded.newBuilder().setContainerId(container.id()).setExecId(request.getExecId())
                    .build());
            return Empty.getDefaultInstance();
        });
    }

    private StartResponse start(StartRequest request) throws Exception {
        return locked(() -> {
            ShimContainer container = pod.container(request.getId());
            ShimProcess process = container.process(request.getExecId());
            if (process.isInit()) {
                process.start();
                events.publish(TaskStart.newBuilder().setContainerId(container.id()).setPid(pod.pid()).build());
                container.hooks().afterStart();
            } else {
                process.startExec(pod.agentFor(container));
                events.publish(TaskExecStarted.newBuilder().setContainerId(container.id())
                        .setExecId(process.execId()).setPid(pod.pid()).build());
            }
            // The exit watcher starts after the start event is queued, so no exit event can overtake it.
            process.watch();
            return StartResponse.newBuilder().setPid(pod.pid()).build();
        });
    }

    /** Publishes the exit before any Wait returns it (the process calls this under its own monitor). */
    private void exited(ShimProcess process, ShimProcess.Exit exit, boolean outputComplete) {
        events.publish(TaskExit.newBuilder().setContainerId(process.containerId())
                .setId(process.isInit() ? process.containerId() : process.execId()).setPid(pod.pid())
                .setExitStatus(exit.status()).setExitedAt(EventPublisher.timestamp(exit.at())).build());
        LOG.log(outputComplete ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                "{0} exited with status {1}{2}", process.name(), exit.status(),
                outputComplete ? "" : "; its output is incomplete");
    }

    private WaitResponse await(WaitRequest request) throws Exception {
        ShimProcess process = pod.container(request.getId()).process(request.getExecId());
        ShimProcess.Exit exit;
        try {
            exit = process.whenExited().get();
        } catch (ExecutionException e) {
            throw new ErrdefsException(ErrorKind.INTERNAL, "waiting for " + process.name() + ": " + e.getMessage(),
                    e);
        }
        return WaitResponse.newBuilder().setExitStatus(exit.status())
                .setExitedAt(EventPublisher.timestamp(exit.at())).build();
    }

    private Empty kill(KillRequest request) throws Exception {
        return locked(() -> {
            pod.container(request.getId()).process(request.getExecId()).kill(request.getSignal(), request.getAll());
            return Empty.getDefaultInstance();
        });
    }

    private Empty pause(String id) throws Exception {
        return locked(() -> {
            ShimContainer container = pod.container(id);
            container.init().pause(() -> pod.agentFor(container).pauseContainer(id));
            events.publish(TaskPaused.newBuilder().setContainerId(id).build());
            return Empty.getDefaultInstance();
        });
    }

    private Empty resume(String id) throws Exception {
        return locked(() -> {
            ShimContainer container = pod.container(id);
            container.init().resume(() -> pod.agentFor(container).resumeContainer(id));
            events.publish(TaskResumed.newBuilder().setContainerId(id).build());
            return Empty.getDefaultInstance();
        });
    }

    private Empty resizePty(ResizePtyRequest request) throws Exception {
        pod.container(request.getId()).process(request.getExecId()).resize(request.getHeight(), request.getWidth());
        return Empty.getDefaultInstance();
    }

    private Empty closeIo(CloseIORequest request) throws Exception {
        ShimProcess process = pod.container(request.getId()).process(request.getExecId());
        if (request.getStdin()) {
            process.closeStdin();
        }
        return Empty.getDefaultInstance();
    }

    private DeleteResponse delete(DeleteRequest request) throws Exception {
        long begin = System.nanoTime();
        return locked(() -> {
            ShimContainer container = pod.container(request.getId());
            if (!request.getExecId().isEmpty()) {
                return response(container.deleteExec(request.getExecId()));
            }
            ShimProcess init = container.init();
            ShimProcess.State state = init.state();
            if (state == ShimProcess.State.RUNNING || state == ShimProcess.State.PAUSED) {
                // Kata stops a container that is still running when it is deleted.
                init.kill(Processes.SIGKILL, true);
                init.awaitExit(KILL_WAIT);
            }
            ShimProcess.Exit exit = init.delete();
            int pid = pod.pid();
            pod.remove(container);
            container.hooks().afterDelete();
            events.publish(TaskDelete.newBuilder().setContainerId(container.id()).setPid(pid)
                    .setExitStatus(exit.status()).setExitedAt(EventPublisher.timestamp(exit.at()))
                    .setId(container.id()).build());
            LOG.log(System.Logger.Level.INFO, "Delete of {0} took {1} ms", container.id(), millisSince(begin));
            return DeleteResponse.newBuilder().setPid(pid).setExitStatus(exit.status())
                    .setExitedAt(EventPublisher.timestamp(exit.at())).build();
        });
    }

    private DeleteResponse response(ShimProcess.Exit exit) {
        return DeleteResponse.newBuilder().setPid(pod.pid()).setExitStatus(exit.status())
                .setExitedAt(EventPublisher.timestamp(exit.at())).build();
    }

    private Empty shutdown() throws Exception {
        return locked(() -> {
            if (!pod.isEmpty()) {
                return Empty.getDefaultInstance(); // other containers of the pod still use this shim
            }
            pod.destroy();
            if (!shutDown) {
                shutDown = true;
                onShutdown.run();
            }
            return Empty.getDefaultInstance();
        });
    }

    /** Tears everything down when the shim is told to stop (SIGTERM, or its socket broke). */
    public void close() {
        lifecycle.lock();
        try {
            pod.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cleaning up the sandbox: {0}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lifecycle.unlock();
        }
    }

    private StateResponse state(StateRequest request) {
        ShimContainer container = pod.container(request.getId());
        ShimProcess process = container.process(request.getExecId());
        StateResponse.Builder state = StateResponse.newBuilder().setId(container.id()).setBundle(container.bundle())
                .setPid(pod.pid()).setStatus(process.status()).setStdin(process.stdin())
                .setStdout(process.stdout()).setStderr(process.stderr()).setTerminal(process.terminal())
                .setExecId(process.execId());
        process.exit().ifPresent(exit -> state.setExitStatus(exit.status())
                .setExitedAt(EventPublisher.timestamp(exit.at())));
        return state.build();
    }

    private PidsResponse pids(PidsRequest request) {
        pod.container(request.getId());
        // As Kata: the processes run in the guest, the host sees the VMM.
        return PidsResponse.newBuilder().addProcesses(ProcessInfo.newBuilder().setPid(pod.pid())).build();
    }

    private StatsResponse stats(StatsRequest request) throws Exception {
        ShimContainer container = pod.container(request.getId());
        return StatsResponse.newBuilder()
                .setStats(CgroupMetrics.pack(pod.agentFor(container).statsContainer(container.id()))).build();
    }

    private Empty update(UpdateTaskRequest request) throws Exception {
        return locked(() -> {
            ShimContainer container = pod.container(request.getId());
            if (!request.hasResources()) {
                throw ErrdefsException.invalidArgument("the update of " + container.id() + " names no resources");
            }
            pod.agentFor(container).updateContainer(container.id(), ResourcesUpdate.parse(request.getResources()));
            return Empty.getDefaultInstance();
        });
    }

    private ConnectResponse connect(ConnectRequest request) {
        pod.container(request.getId());
        return ConnectResponse.newBuilder().setShimPid((int) ProcessHandle.current().pid()).setTaskPid(pod.pid())
                .setVersion(RuntimeVersion.current().semver()).build();
    }

    /** Milliseconds as plain digits (log lines that scripts read: no grouping). */
    static String millisSince(long nanoTime) {
        return Long.toString((System.nanoTime() - nanoTime) / 1_000_000);
    }
}
