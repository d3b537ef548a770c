package io.katacontainers.runtime.service;

import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.containerd.task.CreateTaskRequest;
import io.katacontainers.containerd.types.Status;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigLookup;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.core.HypervisorDrivers;
import io.katacontainers.runtime.core.SandboxBootstrap;
import io.katacontainers.runtime.io.ExitWatcher;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.runtime.sandbox.SandboxException;
import io.katacontainers.runtime.sandbox.SandboxJanitor;
import io.katacontainers.runtime.shim.PodAnnotations;
import io.katacontainers.runtime.shim.RuntimeOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The shim's pod: its sandbox, which the first container created boots and the last one deleted takes with it,
 * and its containers. Changes happen under the task service's lifecycle lock; the sandbox is volatile for the
 * readers without it (State, Stats, ResizePty, the exit watchers).
 */
final class ShimPod {
    private static final System.Logger LOG = System.getLogger(ShimPod.class.getName());
    /** How often the VM's state is looked at for {@link #watchVm}. */
    private static final java.time.Duration VM_POLL = java.time.Duration.ofMillis(500);

    private final StateStore store;
    private final HypervisorDrivers drivers;
    private final Map<String, ShimContainer> containers = new ConcurrentHashMap<>();
    /** Written under the lifecycle lock; read without it. */
    private volatile Sandbox sandbox;
    private Path runDir;
    private SandboxJanitor janitor;

    ShimPod(StateStore store, HypervisorDrivers drivers) {
        this.store = store;
        this.drivers = drivers;
    }

    /** NOT_FOUND when the container is not in this shim. */
    ShimContainer container(String id) {
        ShimContainer container = containers.get(id);
        if (container == null) {
            throw ErrdefsException.notFound("container " + id + " does not exist in this shim");
        }
        return container;
    }

    boolean isEmpty() {
        return containers.isEmpty();
    }

    /**
     * Creates a container (not started) with its init process; the first one boots the sandbox, whose OOM kills
     * go to {@code onOom}. Nothing is left behind when it fails.
     */
    ShimContainer create(CreateTaskRequest request, ShimProcess.ExitListener listener, Consumer<String> onOom)
            throws SandboxException, AgentException, IOException, InterruptedException {
        String id = StateStore.checkId(request.getId());
        if (containers.containsKey(id)) {
            throw ErrdefsException.alreadyExists("container " + id + " already exists");
        }
        Bundle bundle;
        try {
            bundle = Bundle.load(Bundle.checkUntrustedDir(request.getBundle()));
        } catch (BundleException e) {
            throw new ErrdefsException(ErrorKind.INVALID_ARGUMENT, e.getMessage(), e);
        }
        PodAnnotations pod = PodAnnotations.of(bundle.spec().getAnnotationsMap());
        boolean startsSandbox = sandbox == null;
        if (startsSandbox && pod.sandboxId().isPresent()) {
            throw ErrdefsException.notFound("sandbox " + pod.sandboxId().get() + " of container " + id
                    + " is not served by this shim: create the sandbox first");
        }
        if (!startsSandbox && !pod.sandboxId().equals(Optional.of(sandbox.id()))) {
            throw ErrdefsException.failedPrecondition("container " + id + " does not belong to sandbox "
                    + sandbox.id() + " (annotations " + PodAnnotations.CONTAINER_TYPE + "="
                    + PodAnnotations.TYPE_CONTAINER + " and " + PodAnnotations.SANDBOX_ID + " name the pod)");
        }
        // As Kata's shim: the create hooks run before the container is made, the pod's first one's before its
        // VM boots and its network namespace is scanned (a prestart hook may set that namespace up).
        ShimHooks hooks = ShimHooks.of(id, bundle);
        hooks.beforeCreate();
        try {
            if (startsSandbox) {
                long boot = System.nanoTime();
                // Create's options name the file as start's did; else KATA_CONF_FILE (start sets it from its
                // options).
                SandboxBootstrap bootstrap = SandboxBootstrap.plan(id, bundle.spec(),
                        ConfigLookup.forShim(RuntimeOptions.configPath(request.getOptions())),
                        ConfigLoader.Strictness.fromEnvironment(System.getenv()), drivers);
                Path dir = bootstrap.claimDir(store, SandboxBootstrap.StaleDir.REPLACE);
                // Cleans the directory up should this shim die (SIGKILL) with the sandbox still there.
                SandboxJanitor watching = SandboxJanitor.start(dir);
                try {
                    sandbox = bootstrap.boot(dir);
                } catch (Exception e) { // rethrown as it came (precise rethrow)
                    watching.dismiss(); // boot took down what it had started
                    throw e;
                }
                janitor = watching;
                runDir = dir;
                watchOom(sandbox, onOom);
                watchVm(sandbox);
                LOG.log(System.Logger.Level.INFO, "sandbox {0} started in {1} ms", id,
                        TaskService.millisSince(boot));
            }
            ShimContainer container = createContainer(id, bundle, request, listener, hooks);
            containers.put(id, container);
            return container;
        } catch (Exception e) {
            if (startsSandbox) {
                destroy();
            }
            hooks.afterDelete(); // the runtime spec's life cycle: a failed create goes on to delete
            throw e;
        }
    }

    private ShimContainer createContainer(String id, Bundle bundle, CreateTaskRequest request,
                                          ShimProcess.ExitListener listener, ShimHooks hooks)
            throws SandboxException, IOException {
        Optional<Resource.HostMount> mount = request.getRootfsCount() == 0 ? Optional.empty()
                : Optional.of(RootfsMount.mount(sandbox.resources(), request.getRootfsList(),
                        runDir.resolve("rootfs").resolve(id)));
        Path rootfs = mount.map(Resource.HostMount::target).orElse(bundle.rootfs());
        ProcessStdio stdio = null;
        boolean created = false;
        try {
            stdio = ProcessStdio.open(request.getStdin(), request.getStdout(), request.getStderr());
            var spec = bundle.spec().toBuilder();
            spec.getProcessBuilder().setTerminal(request.getTerminal());
            sandbox.createContainer(id, spec.build(), rootfs, Optional.of(bundle.dir()));
            created = true;
            ShimProcess init = new ShimProcess(id, "", request.getTerminal(), request.getStdin(),
                    request.getStdout(), request.getStderr(), Optional.empty(), listener);
            // Readers start before the process does; the agent keeps what it writes until they come.
            init.attach(stdio, GuestProcess.init(sandbox.agent(), id,
                    new GuestProcess.Stdio(request.getTerminal(), stdio.in(), stdio.out(), stdio.err())));
            return new ShimContainer(id, request.getBundle(), init, mount, hooks);
        } catch (SandboxException | IOException | RuntimeException e) {
            if (created) {
                sandbox.removeContainer(id, false);
            }
            if (stdio != null) {
                stdio.close();
            }
            if (mount.isPresent()) {
                sandbox.resources().detach(mount.get());
            }
            throw e;
        }
    }

    /** Takes a container out of the guest and the host; the last one takes the sandbox's VM with it. */
    void remove(ShimContainer container) throws SandboxException, IOException, InterruptedException {
        container.closeStdio();
        containers.remove(container.id());
        if (containers.isEmpty()) {
            destroy(); // the sandbox's ledger tears the container's rootfs mount down with the rest
            return;
        }
        Sandbox current = sandbox;
        current.removeContainer(container.id(), current.vm().state() != VmState.RUNNING);
        if (container.rootfs().isPresent()) {
            current.resources().detach(container.rootfs().get());
        }
    }

    /** Stops the VM, tears down what the sandbox attached (every rootfs mount too), removes its directory. */
    void destroy() throws IOException, InterruptedException {
        Sandbox current = sandbox;
        if (current == null) {
            return;
        }
        current.close();
        StateStore.removeTree(runDir);
        if (janitor != null) {
            janitor.dismiss();
        }
        sandbox = null;
        runDir = null;
        janitor = null;
    }

    /** Tears everything down (the shim is told to stop). */
    void close() throws IOException, InterruptedException {
        containers.values().forEach(container -> container.init().closeStdio());
        destroy();
        containers.clear();
    }

    /** The sandbox's agent, for a request that needs the container's processes in it: FAILED_PRECONDITION else. */
    AgentClient agentFor(ShimContainer container) {
        Sandbox current = sandbox;
        if (current == null || container.init().status() == Status.STOPPED) {
            throw ErrdefsException.failedPrecondition("container " + container.id() + " is not running");
        }
        return current.agent();
    }

    /** The sandbox, once the first Create booted it. */
    Optional<Sandbox> sandbox() {
        return Optional.ofNullable(sandbox);
    }

    /** The pid containerd sees for every task: the VMM's, as in Kata; 0 before the VM exists. */
    int pid() {
        Sandbox current = sandbox;
        return current == null ? 0 : (int) current.vm().vmmPid();
    }

    /**
     * Ends the processes that can no longer end by themselves once the sandbox's VM stopped on its own (QEMU killed,
     * virtiofsd lost, the agent or the guest kernel dead): the ones created but never started have no wait in the
     * agent to fail, so containerd would see them CREATED forever. A started process's wait fails by itself.
     */
    private void watchVm(Sandbox started) {
        Thread.ofVirtual().name("vm-" + started.id()).start(() -> {
            try {
                while (sandbox == started && started.vm().state() != VmState.STOPPED) {
                    Thread.sleep(VM_POLL);
                }
            } catch (InterruptedException e) {
                return;
            }
            if (sandbox != started) {
                return; // destroyed on purpose
            }
            for (ShimContainer container : containers.values()) {
                for (ShimProcess process : container.processes()) {
                    if (process.state() == ShimProcess.State.CREATED) {
                        LOG.log(System.Logger.Level.WARNING, "{0} never started and its VM is gone: it ends with "
                                + "status {1}", process.name(), ExitWatcher.LOST_STATUS);
                        process.exited(ExitWatcher.LOST_STATUS, true);
                    }
                }
            }
        });
    }

    /** Hands every OOM kill the agent reports to {@code onOom}, until the sandbox's agent connection ends. */
    private static void watchOom(Sandbox started, Consumer<String> onOom) {
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
                onOom.accept(containerId);
            }
        });
    }
}
