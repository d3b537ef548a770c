package io.katacontainers.runtime.sandbox;

import io.katacontainers.runtime.launch.ProcessRelay;
import io.katacontainers.runtime.persist.StateStore;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.AgentProto;
import io.katacontainers.agent.proto.HealthProto;
import io.katacontainers.agent.proto.PauseContainerRequest;
import io.katacontainers.agent.proto.ResumeContainerRequest;
import io.katacontainers.agent.proto.StartContainerRequest;
import io.katacontainers.runtime.io.ExitWatcher;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Handler;
import io.katacontainers.ttrpc.RequestContext;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.TtrpcServer;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The process that keeps a sandbox alive between {@code kata-runtime create} and {@code delete}: it owns the VM
 * (the QEMU driver ties the VMM's life to this process), pumps the container's output to its own stdout/stderr,
 * records the container's status in {@code state.json}, and serves {@code control.sock}. That socket forwards
 * every {@code grpc.AgentService} and {@code grpc.Health} call byte for byte to the agent, so the other commands
 * are plain agent clients; {@value #SERVICE}/{@code Shutdown} tears the sandbox down.
 */
public final class SandboxHolder {
    /** The holder's own ttrpc service. */
    public static final String SERVICE = "kata.runtime.SandboxHolder";
    private static final System.Logger LOG = System.getLogger(SandboxHolder.class.getName());
    /** Calls that change the sandbox: one at a time. Reads, writes and waits block in the guest and may overlap. */
    private static final Set<String> SERIALIZED = Set.of("CreateContainer", "StartContainer", "ExecProcess",
            "SignalProcess", "RemoveContainer", "DestroySandbox", "UpdateContainer", "PauseContainer",
            "ResumeContainer");
    /** How long the calls in progress get to answer (the Shutdown call's own answer above all) at the end. */
    private static final Duration ANSWER_GRACE = Duration.ofSeconds(5);

    private final Sandbox sandbox;
    private final String containerId;
    private final Path runDir;
    private final ReentrantLock callLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private final CountDownLatch shutdown = new CountDownLatch(1);
    private ContainerState state;
    private GuestProcess process;
    private TtrpcServer server;
    private boolean started;
    private volatile Integer exitStatus;
    private final java.util.Optional<ProcessRelay.HolderEnds> relay;

    public SandboxHolder(Sandbox sandbox, String containerId, Path runDir, ContainerState state) {
        this(sandbox, containerId, runDir, state, java.util.Optional.empty());
    }

    /**
     * @param relay the ends of the pipes to the process that stands for the container on the host: it gets the
     *              container's exit status (or 137 when the sandbox is torn down first), and the signals it
     *              receives are forwarded to the container's process
     */
    public SandboxHolder(Sandbox sandbox, String containerId, Path runDir, ContainerState state,
                         java.util.Optional<ProcessRelay.HolderEnds> relay) {
        this.relay = relay;
        this.sandbox = sandbox;
        this.containerId = containerId;
        this.runDir = runDir;
        this.state = state;
    }

    /** Attaches the container's stdio, opens the control socket and records the container as created. */
    public void serve(GuestProcess.Stdio stdio) throws IOException {
        process = GuestProcess.init(sandbox.agent(), containerId, stdio);
        server = new TtrpcServer(List.of(forwarding(AgentProto.getDescriptor().findServiceByName("AgentService")
                        .getMethods(), "grpc.AgentService"),
                forwarding(HealthProto.getDescriptor().findServiceByName("Health").getMethods(), "grpc.Health"),
                ServiceDefinition.builder(SERVICE).method("Shutdown", Empty.parser(), (request, context) -> {
                    shutdown();
                    return Empty.getDefaultInstance();
                }).build()));
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(runDir.resolve(ContainerState.CONTROL_SOCKET)));
        Thread.ofPlatform().daemon().name("control-socket").start(() -> {
            try {
                server.listen(listener);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "control socket failed: {0}", e.getMessage());
            }
        });
        relay.ifPresent(ends -> ends.forwardSignals(this::forwardSignal, () -> {
            // The pid the caller holds for the container died (SIGKILL): as with runc, whose pid is the
            // container's own, the container goes with it.
            LOG.log(System.Logger.Level.WARNING, "the relay of container {0} was killed: killing the container",
                    containerId);
            forwardSignal(io.katacontainers.ffm.libc.Processes.SIGKILL);
        }));
        update(current -> current.withStatus(ContainerState.CREATED));
    }

    private void forwardSignal(int signal) {
        try {
            process.signal(signal, false);
        } catch (io.katacontainers.runtime.agent.AgentException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot forward signal {0} to container {1}: {2}", signal,
                    containerId, e.getMessage());
        }
    }

    /**
     * Blocks until the sandbox is torn down: by a Shutdown call, or because the container's process ended. Returns
     * the exit status for this process: the container's when it ended (containerd's runc shim and conmon reap the
     * pid in --pid-file and take its status as the container's), else 0.
     */
    public int awaitShutdown() throws InterruptedException {
        shutdown.await();
        // The Shutdown call's answer must reach its caller before this process exits.
        server.shutdown(ANSWER_GRACE);
        Integer status = exitStatus;
        return status == null ? 0 : status;
    }

    /** The caller resized the container's terminal: the guest's follows (a failure is only logged). */
    public void resize(int rows, int columns) {
        try {
            process.resize(rows, columns);
        } catch (io.katacontainers.runtime.agent.AgentException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot resize the terminal of {0}: {1}", containerId,
                    e.getMessage());
        }
    }

    private ServiceDefinition forwarding(List<MethodDescriptor> methods, String service) {
        ServiceDefinition.Builder builder = ServiceDefinition.builder(service);
        for (MethodDescriptor method : methods) {
            builder.method(method.getName(), forwarder(method.getName()));
        }
        return builder.build();
    }

    private Handler forwarder(String method) {
        return (payload, context) -> {
            if (!SERIALIZED.contains(method)) {
                return sandbox.agent().forward(context.service(), method, payload, options(context));
            }
            callLock.lock();
            try {
                byte[] answer = sandbox.agent().forward(context.service(), method, payload, options(context));
                if (method.equals("StartContainer")
                        && StartContainerRequest.parseFrom(payload).getContainerId().equals(containerId)) {
                    started();
                } else if (method.equals("PauseContainer")
                        && PauseContainerRequest.parseFrom(payload).getContainerId().equals(containerId)) {
                    update(current -> current.withStatus(ContainerState.PAUSED));
                } else if (method.equals("ResumeContainer")
                        && ResumeContainerRequest.parseFrom(payload).getContainerId().equals(containerId)) {
                    update(current -> ContainerState.PAUSED.equals(current.status())
                            ? current.withStatus(ContainerState.RUNNING) : current);
                }
                return answer;
            } finally {
                callLock.unlock();
            }
        };
    }

    private static CallOptions options(RequestContext context) {
        return context.deadline().map(deadline -> {
            Duration left = Duration.between(Instant.now(), deadline);
            return CallOptions.ofTimeout(left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left);
        }).orElse(CallOptions.DEFAULT);
    }

    /** The container's process runs: record it, and record its exit status when it ends. */
    private void started() throws IOException {
        synchronized (stateLock) {
            if (started) {
                return;
            }
            started = true;
        }
        update(current -> current.withStatus(ContainerState.RUNNING));
        // A wait that fails (the VM or the agent went away) still ends the container, as stopped.
        process.watch(this::recordExit);
    }

    private void recordExit(ExitWatcher.End end) {
        try {
            update(current -> current.withExit(end.status()));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot record the exit of container {0} in {1}: {2}", containerId,
                    runDir, e.getMessage());
            return;
        }
        LOG.log(System.Logger.Level.INFO, "container {0} exited with status {1}", containerId, end.status());
        exitStatus = end.status();
        relay.ifPresent(ends -> ends.exit(end.status()));
        // The container is stopped: its VM goes now, its state stays (stopped, with the status) until delete.
        tearDown(false);
    }

    private void update(java.util.function.UnaryOperator<ContainerState> change) throws IOException {
        synchronized (stateLock) {
            if (shutdown.getCount() == 0) {
                return; // the directory is gone
            }
            state = change.apply(state);
            state.write(runDir);
        }
    }

    /** Destroys the sandbox: agent DestroySandbox, VM stop, unmounts; then the state directory goes. */
    private void shutdown() {
        tearDown(true);
    }

    private void tearDown(boolean removeState) {
        callLock.lock();
        try {
            synchronized (stateLock) {
                if (shutdown.getCount() == 0) {
                    return;
                }
                sandbox.close();
                // Torn down before the container's exit was known: the relay ends as a killed process would.
                relay.ifPresent(ends -> ends.exit(128 + 9));
                try {
                    if (removeState) {
                        StateStore.removeTree(runDir);
                    }
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot remove {0}: {1}", runDir, e.getMessage());
                }
                shutdown.countDown();
            }
        } finally {
            callLock.unlock();
        }
    }
}
