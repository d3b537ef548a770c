package io.katacontainers.runtime.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.api.hypervisor.VmState;
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
import io.katacontainers.containerd.types.Status;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.oci.OciSpecException;
import io.katacontainers.oci.OciSpecJson;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.config.ConfigLookup;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.core.HypervisorDrivers;
import io.katacontainers.runtime.core.SandboxBootstrap;
import io.katacontainers.runtime.config.env.RuntimeVersion;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.runtime.shim.PodAnnotations;
import io.katacontainers.runtime.shim.RuntimeOptions;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.RequestContext;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.StatusException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * containerd's task service ({@value #SERVICE}) for one pod: the first container created boots the sandbox's VM,
 * containers whose CRI annotations name that sandbox are created in the same VM, the VM goes when the last
 * container is deleted, and Shutdown ends the shim only once no container is left. Calls that change the sandbox
 * (Create, Start, Exec, Kill, Pause, Resume, Delete, Shutdown) hold one lock, so hypervisor and agent control
 * calls never interleave; State, Wait and the stdio calls do not wait for it.
 */
public final class TaskService {
    public static final String SERVICE = "containerd.task.v2.Task";
    private static final System.Logger LOG = System.getLogger(TaskService.class.getName());
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StateStore store;
    private final HypervisorDrivers drivers;
    private final EventPublisher events;
    private final Runnable onShutdown;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Map<String, ShimContainer> containers = new ConcurrentHashMap<>();
    /** Written under {@link #lifecycle}; read without it by State, Stats, ResizePty and the exit watchers. */
    private volatile Sandbox sandbox;
    private Path runDir;
    private boolean shutDown;

    /** @param onShutdown runs once Shutdown found no container left and the sandbox is gone */
    public TaskService(StateStore store, HypervisorDrivers drivers, EventPublisher events, Runnable onShutdown) {
        this.store = store;
        this.drivers = drivers;
        this.events = events;
        this.onShutdown = onShutdown;
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
                    throw new StatusException(Code.UNIMPLEMENTED, "checkpoint is not implemented by Kata "
                            + "Containers: a VM's containers cannot be checkpointed with CRIU");
                })
                .method("Kill", KillRequest.parser(), (request, context) -> kill(request))
                .method("Exec", io.katacontainers.containerd.task.ExecProcessRequest.parser(),
                        (request, context) -> exec(request))
                .method("ResizePty", ResizePtyRequest.parser(), (request, context) -> resizePty(request))
                .method("CloseIO", CloseIORequest.parser(), (request, context) -> closeIo(request))
                .method("Update", UpdateTaskRequest.parser(), (request, context) -> update(request))
                .method("Wait", WaitRequest.parser(), (request, context) -> await(request, context))
                .method("Stats", StatsRequest.parser(), (request, context) -> stats(request))
                .method("Connect", ConnectRequest.parser(), (request, context) -> connect(request))
                .method("Shutdown", ShutdownRequest.parser(), (request, context) -> shutdown())
                .build();
    }

    // ---- Create / Exec ----

    private CreateTaskResponse create(CreateTaskRequest request) throws Exception {
        String id = StateStore.checkId(request.getId());
        if (!request.getCheckpoint().isEmpty()) {
            throw new StatusException(Code.UNIMPLEMENTED, "restoring from a checkpoint is not supported by Kata "
                    + "Containers");
        }
        long begin = System.nanoTime();
        lifecycle.lock();
        try {
            if (shutDown) {
                throw new StatusException(Code.FAILED_PRECONDITION, "the shim is shutting down");
            }
            if (containers.containsKey(id)) {
                throw new StatusException(Code.ALREADY_EXISTS, "container " + id + " already exists");
            }
            Bundle bundle = loadBundle(request.getBundle());
            PodAnnotations pod = PodAnnotations.of(bundle.spec().getAnnotationsMap());
            boolean startsSandbox = sandbox == null;
            if (startsSandbox) {
                if (pod.sandboxId().isPresent()) {
                    throw new StatusException(Code.NOT_FOUND, "sandbox " + pod.sandboxId().get()
                            + " of container " + id + " is not served by this shim: create the sandbox first");
                }
                long boot = System.nanoTime();
                bootSandbox(id, bundle, request);
                LOG.log(System.Logger.Level.INFO, "sandbox {0} started in {1} ms", id, millisSince(boot));
            } else if (!pod.sandboxId().equals(Optional.of(sandbox.id()))) {
                throw new StatusException(Code.FAILED_PRECONDITION, "container " + id + " does not belong to "
                        + "sandbox " + sandbox.id() + " (annotations " + PodAnnotations.CONTAINER_TYPE + "="
                        + PodAnnotations.TYPE_CONTAINER + " and " + PodAnnotations.SANDBOX_ID + " name the pod)");
            }
            try {
                createContainer(id, bundle, request);
            } catch (Exception e) {
                if (startsSandbox) {
                    destroySandbox();
                }
                throw e;
            }
            LOG.log(System.Logger.Level.INFO, "Create of {0} took {1} ms", id, millisSince(begin));
            return CreateTaskResponse.newBuilder().setPid(pid()).build();
        } finally {
            lifecycle.unlock();
        }
    }

    private static Bundle loadBundle(String dir) throws StatusException {
        try {
            return Bundle.load(Path.of(dir));
        } catch (BundleException e) {
            throw new StatusException(Code.INVALID_ARGUMENT, e.getMessage());
        }
    }

    private void bootSandbox(String id, Bundle bundle, CreateTaskRequest request) throws Exception {
        // Create's options name the file as start's did; else KATA_CONF_FILE (start sets it from its own options).
        SandboxBootstrap bootstrap = SandboxBootstrap.plan(id, bundle.spec(),
                ConfigLookup.forShim(RuntimeOptions.configPath(request.getOptions())), drivers);
        Path dir = bootstrap.claimDir(store, SandboxBootstrap.StaleDir.REPLACE);
        sandbox = bootstrap.boot(dir);
        runDir = dir;
        watchOom(sandbox);
    }

    private void createContainer(String id, Bundle bundle, CreateTaskRequest request) throws Exception {
        Optional<RootfsMount> mount = request.getRootfsCount() == 0 ? Optional.empty()
                : Optional.of(RootfsMount.mount(request.getRootfsList(), runDir.resolve("rootfs").resolve(id)));
        Path rootfs = mount.map(RootfsMount::target).orElse(bundle.rootfs());
        ProcessStdio stdio = null;
        boolean created = false;
        try {
            stdio = ProcessStdio.open(request.getStdin(), request.getStdout(), request.getStderr());
            var spec = bundle.spec().toBuilder();
            spec.getProcessBuilder().setTerminal(request.getTerminal());
            sandbox.createContainer(id, spec.build(), rootfs);
            created = true;
            ShimProcess init = new ShimProcess(id, "", request.getTerminal(), request.getStdin(),
                    request.getStdout(), request.getStderr(), Optional.empty());
            // Readers start before the process does; the agent keeps what it writes until they come.
            init.attach(stdio, GuestProcess.init(sandbox.agent(), id,
                    new GuestProcess.Stdio(request.getTerminal(), stdio.in(), stdio.out(), stdio.err())));
            containers.put(id, new ShimContainer(id, request.getBundle(), init, mount));
        } catch (Exception e) {
            if (created) {
                sandbox.removeContainer(id, false);
            }
            if (stdio != null) {
                stdio.close();
            }
            if (mount.isPresent()) {
                mount.get().unmount();
            }
            throw e;
        }
        events.publish(TaskCreate.newBuilder().setContainerId(id).setBundle(request.getBundle())
                .addAllRootfs(request.getRootfsList())
                .setIo(TaskIO.newBuilder().setStdin(request.getStdin()).setStdout(request.getStdout())
                        .setStderr(request.getStderr()).setTerminal(request.getTerminal()))
                .setCheckpoint(request.getCheckpoint()).setPid(pid()).build());
    }

    private Empty exec(io.katacontainers.containerd.task.ExecProcessRequest request) throws Exception {
        lifecycle.lock();
        try {
            ShimContainer container = container(request.getId());
            if (request.getExecId().isEmpty()) {
                throw new StatusException(Code.INVALID_ARGUMENT, "exec needs an exec id");
            }
            if (container.init().status() == Status.STOPPED) {
                throw new StatusException(Code.FAILED_PRECONDITION, "cannot exec in container " + container.id()
                        + ": it is stopped");
            }
            Process process = execSpec(request).toBuilder().setTerminal(request.getTerminal()).build();
            ShimProcess exec = new ShimProcess(container.id(), request.getExecId(), request.getTerminal(),
                    request.getStdin(), request.getStdout(), request.getStderr(), Optional.of(process));
            if (container.execs().putIfAbsent(request.getExecId(), exec) != null) {
                throw new StatusException(Code.ALREADY_EXISTS, "exec " + request.getExecId() + " already exists in "
                        + "container " + container.id());
            }
            events.publish(TaskExecAdded.newBuilder().setContainerId(container.id()).setExecId(request.getExecId())
                    .build());
            return Empty.getDefaultInstance();
        } finally {
            lifecycle.unlock();
        }
    }

    /** The exec'd process: containerd sends the OCI process as JSON in an Any. */
    private static Process execSpec(io.katacontainers.containerd.task.ExecProcessRequest request)
            throws StatusException {
        try {
            Process process = OciSpecJson.fromJson(JSON.readTree(request.getSpec().getValue().toByteArray()),
                    Process.newBuilder(), ignored -> { }).build();
            if (process.getArgsCount() == 0) {
                throw new StatusException(Code.INVALID_ARGUMENT, "the exec'd process has no args");
            }
            return process;
        } catch (IOException | OciSpecException e) {
            throw new StatusException(Code.INVALID_ARGUMENT, "invalid process spec for exec "
                    + request.getExecId() + ": " + e.getMessage());
        }
    }

    // ---- Start / Wait ----

    private StartResponse start(StartRequest request) throws Exception {
        lifecycle.lock();
        try {
            ShimContainer container = container(request.getId());
            ShimProcess process = process(container, request.getExecId());
            if (process.status() != Status.CREATED) {
                throw new StatusException(Code.FAILED_PRECONDITION, "cannot start " + process.name() + ": it is "
                        + process.status().name().toLowerCase(Locale.ROOT));
            }
            if (process.isInit()) {
                process.guestProcess().orElseThrow().start();
                process.status(Status.RUNNING);
                events.publish(TaskStart.newBuilder().setContainerId(container.id()).setPid(pid()).build());
            } else {
                // Holding the process: a ResizePty comes either before the spec is read or after it runs.
                synchronized (process) {
                    startExec(process);
                }
                events.publish(TaskExecStarted.newBuilder().setContainerId(container.id())
                        .setExecId(process.execId()).setPid(pid()).build());
            }
            // The exit watcher starts after the start event is queued, so no exit event can overtake it.
            watch(process);
            return StartResponse.newBuilder().setPid(pid()).build();
        } finally {
            lifecycle.unlock();
        }
    }

    private void startExec(ShimProcess process) throws Exception {
        ProcessStdio stdio = ProcessStdio.open(process.stdin(), process.stdout(), process.stderr());
        try {
            process.attach(stdio, GuestProcess.exec(sandbox.agent(), process.containerId(), process.execId(),
                    process.execSpec().orElseThrow(),
                    new GuestProcess.Stdio(process.terminal(), stdio.in(), stdio.out(), stdio.err())));
        } catch (AgentException | RuntimeException e) {
            stdio.close();
            throw e;
        }
        process.status(Status.RUNNING);
    }

    /** Records the process's exit once the agent reports it and its output is copied, then tells containerd. */
    private void watch(ShimProcess process) {
        process.guestProcess().orElseThrow().watch(end -> recordExit(process, end.status(), end.outputComplete()));
    }

    private void recordExit(ShimProcess process, int status) {
        recordExit(process, status, true);
    }

    /** @param outputComplete whether all of the process's output reached containerd */
    private void recordExit(ShimProcess process, int status, boolean outputComplete) {
        process.stdio().ifPresent(stdio -> stdio.finishOutput(process.name()));
        // Publish before completing the exit, so that containerd hears of the exit before Wait returns.
        synchronized (process) {
            if (process.status() == Status.STOPPED) {
                return;
            }
            events.publish(TaskExit.newBuilder().setContainerId(process.containerId())
                    .setId(process.isInit() ? process.containerId() : process.execId()).setPid(pid())
                    .setExitStatus(status).setExitedAt(EventPublisher.timestamp(Instant.now())).build());
            process.exited(status);
        }
        if (outputComplete) {
            LOG.log(System.Logger.Level.INFO, "{0} exited with status {1}", process.name(), status);
        } else {
            LOG.log(System.Logger.Level.WARNING, "{0} exited with status {1}; its output is incomplete",
                    process.name(), status);
        }
    }

    private WaitResponse await(WaitRequest request, RequestContext context) throws Exception {
        ShimProcess process = process(container(request.getId()), request.getExecId());
        ShimProcess.Exit exit;
        try {
            exit = process.whenExited().get();
        } catch (ExecutionException e) {
            throw new StatusException(Code.INTERNAL, "waiting for " + process.name() + ": " + e.getMessage());
        }
        return WaitResponse.newBuilder().setExitStatus(exit.status())
                .setExitedAt(EventPublisher.timestamp(exit.at())).build();
    }

    // ---- Kill / Pause / Resume / stdio ----

    private Empty kill(KillRequest request) throws Exception {
        lifecycle.lock();
        try {
            ShimProcess process = process(container(request.getId()), request.getExecId());
            signal(process, request.getSignal(), request.getAll());
            return Empty.getDefaultInstance();
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Kata's semantics: signalling a stopped process is a no-op; one never started just ends; {@code all} signals
     * every process of the container.
     */
    private void signal(ShimProcess process, int signal, boolean all) throws Exception {
        switch (process.status()) {
            case STOPPED -> LOG.log(System.Logger.Level.DEBUG, "{0} already stopped: signal {1} ignored",
                    process.name(), signal);
            // Never started: nothing runs that could be signalled, so it ends as if the signal had killed it.
            case CREATED -> recordExit(process, 128 + signal);
            default -> {
                try {
                    process.guestProcess().orElseThrow().signal(signal, all);
                } catch (AgentException e) {
                    if (process.status() != Status.STOPPED) {
                        throw e;
                    }
                }
            }
        }
    }

    private Empty pause(String id) throws Exception {
        lifecycle.lock();
        try {
            ShimContainer container = container(id);
            requireStatus(container.init(), Status.RUNNING, "pause");
            sandbox.agent().pauseContainer(id);
            container.init().status(Status.PAUSED);
            events.publish(TaskPaused.newBuilder().setContainerId(id).build());
            return Empty.getDefaultInstance();
        } finally {
            lifecycle.unlock();
        }
    }

    private Empty resume(String id) throws Exception {
        lifecycle.lock();
        try {
            ShimContainer container = container(id);
            requireStatus(container.init(), Status.PAUSED, "resume");
            sandbox.agent().resumeContainer(id);
            container.init().status(Status.RUNNING);
            events.publish(TaskResumed.newBuilder().setContainerId(id).build());
            return Empty.getDefaultInstance();
        } finally {
            lifecycle.unlock();
        }
    }

    private static void requireStatus(ShimProcess process, Status wanted, String action) throws StatusException {
        if (process.status() != wanted) {
            throw new StatusException(Code.FAILED_PRECONDITION, "cannot " + action + " " + process.name()
                    + ": it is " + process.status().name().toLowerCase(Locale.ROOT));
        }
    }

    private Empty resizePty(ResizePtyRequest request) throws Exception {
        ShimProcess process = process(container(request.getId()), request.getExecId());
        if (!process.terminal()) {
            throw new StatusException(Code.FAILED_PRECONDITION, process.name() + " has no terminal");
        }
        if (!process.isInit()) {
            synchronized (process) {
                if (process.status() == Status.CREATED) {
                    // The agent has no terminal for an exec before it starts: the size goes with its spec.
                    process.sizeConsoleBeforeStart(request.getHeight(), request.getWidth());
                    return Empty.getDefaultInstance();
                }
            }
        }
        if (process.status() != Status.STOPPED) {
            // A created init's terminal exists since CreateContainer: a size sent before Start applies at once.
            runningSandbox(container(request.getId()));
            process.guestProcess().orElseThrow().resize(request.getHeight(), request.getWidth());
        }
        return Empty.getDefaultInstance();
    }

    private Empty closeIo(CloseIORequest request) throws Exception {
        ShimProcess process = process(container(request.getId()), request.getExecId());
        if (request.getStdin() && process.stdio().isPresent()) {
            process.stdio().get().closeStdin();
        }
        return Empty.getDefaultInstance();
    }

    // ---- Delete / Shutdown ----

    private DeleteResponse delete(DeleteRequest request) throws Exception {
        long begin = System.nanoTime();
        lifecycle.lock();
        try {
            ShimContainer container = container(request.getId());
            if (!request.getExecId().isEmpty()) {
                return deleteExec(container, request.getExecId());
            }
            ShimProcess init = container.init();
            if (init.status() == Status.RUNNING || init.status() == Status.PAUSED) {
                // Kata stops a container that is still running when it is deleted.
                signal(init, Processes.SIGKILL, true);
                awaitExit(init);
            }
            if (init.status() == Status.CREATED) {
                recordExit(init, 0); // never started: its waiters must not wait forever
            }
            int pid = pid();
            removeContainer(container);
            ShimProcess.Exit exit = init.exit().orElse(new ShimProcess.Exit(0, Instant.now()));
            events.publish(TaskDelete.newBuilder().setContainerId(container.id()).setPid(pid)
                    .setExitStatus(exit.status()).setExitedAt(EventPublisher.timestamp(exit.at()))
                    .setId(container.id()).build());
            LOG.log(System.Logger.Level.INFO, "Delete of {0} took {1} ms", container.id(), millisSince(begin));
            return DeleteResponse.newBuilder().setPid(pid).setExitStatus(exit.status())
                    .setExitedAt(EventPublisher.timestamp(exit.at())).build();
        } finally {
            lifecycle.unlock();
        }
    }

    private DeleteResponse deleteExec(ShimContainer container, String execId) throws StatusException {
        ShimProcess exec = process(container, execId);
        if (exec.status() == Status.RUNNING) {
            throw new StatusException(Code.FAILED_PRECONDITION, "cannot delete exec " + exec.name()
                    + ": it is running (kill it first)");
        }
        if (exec.status() == Status.CREATED) {
            recordExit(exec, 0); // never started: its waiters must not wait forever
        }
        container.execs().remove(execId);
        exec.stdio().ifPresent(ProcessStdio::close);
        ShimProcess.Exit exit = exec.exit().orElse(new ShimProcess.Exit(0, Instant.now()));
        return DeleteResponse.newBuilder().setPid(pid()).setExitStatus(exit.status())
                .setExitedAt(EventPublisher.timestamp(exit.at())).build();
    }

    private void awaitExit(ShimProcess process) throws StatusException, InterruptedException {
        try {
            process.whenExited().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new StatusException(Code.DEADLINE_EXCEEDED, process.name() + " did not exit within "
                    + KILL_WAIT.toSeconds() + "s of SIGKILL");
        }
    }

    /** Takes a container out of the guest and the host; the last one takes the sandbox's VM with it. */
    private void removeContainer(ShimContainer container) throws Exception {
        for (ShimProcess exec : container.execs().values()) {
            exec.stdio().ifPresent(ProcessStdio::close);
        }
        container.init().stdio().ifPresent(ProcessStdio::close);
        containers.remove(container.id());
        if (containers.isEmpty()) {
            destroySandbox();
        } else {
            sandbox.removeContainer(container.id(), sandbox.vm().state() != VmState.RUNNING);
        }
        if (container.rootfs().isPresent()) {
            container.rootfs().get().unmount();
        }
    }

    /** Stops the VM, unmounts every rootfs and removes the sandbox directory. */
    private void destroySandbox() throws IOException, InterruptedException {
        if (sandbox == null) {
            return;
        }
        sandbox.close();
        for (ShimContainer left : containers.values()) {
            if (left.rootfs().isPresent()) {
                left.rootfs().get().unmount();
            }
        }
        StateStore.removeTree(runDir);
        sandbox = null;
        runDir = null;
    }

    private Empty shutdown() throws Exception {
        lifecycle.lock();
        try {
            if (!containers.isEmpty()) {
                return Empty.getDefaultInstance(); // other containers of the pod still use this shim
            }
            destroySandbox();
            if (!shutDown) {
                shutDown = true;
                onShutdown.run();
            }
            return Empty.getDefaultInstance();
        } finally {
            lifecycle.unlock();
        }
    }

    /** Tears everything down when the shim is told to stop (SIGTERM, or its socket broke). */
    public void close() {
        lifecycle.lock();
        try {
            for (ShimContainer container : containers.values()) {
                container.init().stdio().ifPresent(ProcessStdio::close);
            }
            destroySandbox();
            containers.clear();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cleaning up the sandbox: {0}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lifecycle.unlock();
        }
    }

    // ---- State / Pids / Stats / Connect ----

    private StateResponse state(StateRequest request) throws StatusException {
        ShimContainer container = container(request.getId());
        ShimProcess process = process(container, request.getExecId());
        StateResponse.Builder state = StateResponse.newBuilder().setId(container.id()).setBundle(container.bundle())
                .setPid(pid()).setStatus(process.status()).setStdin(process.stdin()).setStdout(process.stdout())
                .setStderr(process.stderr()).setTerminal(process.terminal()).setExecId(process.execId());
        process.exit().ifPresent(exit -> state.setExitStatus(exit.status())
                .setExitedAt(EventPublisher.timestamp(exit.at())));
        return state.build();
    }

    private PidsResponse pids(PidsRequest request) throws StatusException {
        container(request.getId());
        // As Kata: the processes run in the guest, the host sees the VMM.
        return PidsResponse.newBuilder().addProcesses(ProcessInfo.newBuilder().setPid(pid())).build();
    }

    private StatsResponse stats(StatsRequest request) throws Exception {
        ShimContainer container = container(request.getId());
        Sandbox current = runningSandbox(container);
        return StatsResponse.newBuilder().setStats(CgroupMetrics.pack(current.agent().statsContainer(container.id())))
                .build();
    }

    private Empty update(UpdateTaskRequest request) throws Exception {
        lifecycle.lock();
        try {
            ShimContainer container = container(request.getId());
            if (!request.hasResources()) {
                throw new StatusException(Code.INVALID_ARGUMENT, "the update of " + container.id()
                        + " names no resources");
            }
            runningSandbox(container).agent().updateContainer(container.id(),
                    ResourcesUpdate.parse(request.getResources()));
            return Empty.getDefaultInstance();
        } finally {
            lifecycle.unlock();
        }
    }

    /** The sandbox, for a request that needs the container's processes in it. */
    private Sandbox runningSandbox(ShimContainer container) throws StatusException {
        Sandbox current = sandbox;
        if (current == null || container.init().status() == Status.STOPPED) {
            throw new StatusException(Code.FAILED_PRECONDITION, "container " + container.id() + " is not running");
        }
        return current;
    }

    /** Publishes TaskOOM for every OOM kill the agent reports, until the sandbox's agent connection ends. */
    private void watchOom(Sandbox started) {
        var agent = started.agent();
        Thread.ofVirtual().name("oom-" + started.id()).start(() -> {
            while (true) {
                String containerId;
                try {
                    containerId = agent.nextOomEvent();
                } catch (AgentException e) {
                    // The VM went away, or its agent reports no OOM kills: no event can come any more.
                    LOG.log(System.Logger.Level.DEBUG, "no more OOM events from sandbox {0}: {1}", started.id(),
                            e.getMessage());
                    return;
                }
                LOG.log(System.Logger.Level.INFO, "the OOM killer hit container {0}", containerId);
                events.publish(TaskOOM.newBuilder().setContainerId(containerId).build());
            }
        });
    }

    private ConnectResponse connect(ConnectRequest request) throws StatusException {
        container(request.getId());
        return ConnectResponse.newBuilder().setShimPid((int) ProcessHandle.current().pid()).setTaskPid(pid())
                .setVersion(RuntimeVersion.current().semver()).build();
    }

    // ---- lookups ----

    private ShimContainer container(String id) throws StatusException {
        ShimContainer container = containers.get(id);
        if (container == null) {
            throw new StatusException(Code.NOT_FOUND, "container " + id + " does not exist in this shim");
        }
        return container;
    }

    private static ShimProcess process(ShimContainer container, String execId) throws StatusException {
        return container.process(execId).orElseThrow(() -> new StatusException(Code.NOT_FOUND, "exec " + execId
                + " does not exist in container " + container.id()));
    }

    /** Milliseconds as plain digits (log lines that scripts read: no grouping). */
    private static String millisSince(long nanoTime) {
        return Long.toString((System.nanoTime() - nanoTime) / 1_000_000);
    }

    /** The pid containerd sees for every task: the VMM's, as in Kata; 0 before the VM exists. */
    private int pid() {
        Sandbox current = sandbox;
        return current == null ? 0 : (int) current.vm().vmmPid();
    }
}
