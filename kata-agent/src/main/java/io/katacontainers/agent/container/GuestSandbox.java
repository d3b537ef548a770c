package io.katacontainers.agent.container;

import io.katacontainers.agent.cgroup.CgroupDir;
import io.katacontainers.agent.cgroup.CgroupStatsReader;
import io.katacontainers.agent.cgroup.OomMonitor;
import io.katacontainers.agent.mount.Mounter;
import io.katacontainers.agent.mount.Storages;
import io.katacontainers.agent.process.Reaper;
import io.katacontainers.agent.process.SignalDisposition;
import io.katacontainers.agent.process.Termination;
import io.katacontainers.agent.proto.LinuxResources;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.agent.proto.StatsContainerResponse;
import io.katacontainers.agent.proto.Storage;
import io.katacontainers.agent.system.NetDevStats;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ffm.libc.Processes;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The containers of this sandbox and their lifecycle. Creating, starting, exec'ing and removing take one lock, as
 * they do in Kata's agent; looking processes up for I/O, signals and waits does not.
 *
 * <p>Failures that the caller can act on are {@link ErrdefsException}s of their kind (an unknown container is
 * INVALID_ARGUMENT, as Kata's agent answers, an unknown process NOT_FOUND, a request that does not fit the
 * container's state FAILED_PRECONDITION); the ttrpc server answers each with its kind's code.
 */
public final class GuestSandbox {
    private static final System.Logger LOG = System.getLogger(GuestSandbox.class.getName());
    private static final Duration DESTROY_TIMEOUT = Duration.ofSeconds(10);

    private final Storages storages;
    private final OciRuntime runtime;
    private final GuestBundleFiles bundles;
    private final OciProcessLauncher launcher;
    private final OomMonitor oom;
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final List<Path> sandboxStorages = new ArrayList<>();

    /**
     * @param runtimeBinary the OCI runtime CLI (crun, runc)
     * @param stateDir      bundles ({@code <state>/<id>}) and the runtime's state ({@code <state>/.agent}) live here
     *                      ({@code /run/kata-containers} in the guest)
     * @param cgroupParent  the cgroup under which each container gets its own
     * @param oom           watches the containers' cgroups for OOM kills
     */
    public GuestSandbox(Path runtimeBinary, Path stateDir, String cgroupParent, Reaper reaper, Mounter mounter,
                   Storages storages, Duration runtimeTimeout, OomMonitor oom) {
        this.storages = storages;
        this.oom = oom;
        // The agent's own directories start with a dot, which no container id can (see Ids).
        Path own = stateDir.resolve(".agent");
        this.runtime = new OciRuntime(runtimeBinary, own.resolve("runtime"), reaper, runtimeTimeout);
        this.bundles = new GuestBundleFiles(stateDir, mounter, cgroupParent);
        this.launcher = new OciProcessLauncher(runtime, reaper, own.resolve("console"));
    }

    /** Attaches the storages every container of the sandbox shares (the virtio-fs share, above all). */
    public void attachSandboxStorages(List<Storage> storageList) throws IOException {
        lifecycle.lock();
        try {
            sandboxStorages.addAll(storages.add(storageList));
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * CreateContainer: storages, bundle, then {@code runtime create}; everything is undone if a step fails. The
     * init process answers to the empty exec id and to {@code initExecId}.
     */
    public void createContainer(String id, String initExecId, Spec spec, List<Storage> storageList) throws IOException,
            InterruptedException {
        Ids.checkContainer(id);
        lifecycle.lock();
        try {
            if (containers.containsKey(id)) {
                throw ErrdefsException.alreadyExists("container " + id + " already exists");
            }
            long begin = System.nanoTime();
            List<Path> attached = storages.add(storageList);
            long storagesDone = System.nanoTime();
            long bundleDone;
            try {
                GuestBundle bundle = bundles.prepare(id, spec);
                bundleDone = System.nanoTime();
                try {
                    ContainerProcess init = launcher.create(bundle, spec.getProcess());
                    CgroupDir cgroup = bundles.cgroupOf(id, spec);
                    containers.put(id, new Container(bundle, attached, init, initExecId, cgroup));
                    watchOom(id, cgroup);
                } catch (IOException | InterruptedException | RuntimeException e) {
                    undoCreate(bundle, e);
                    throw e;
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                releaseAfterFailure(attached, e);
                throw e;
            }
            long end = System.nanoTime();
            LOG.log(Level.INFO, "created container {0} with {1} in {2} ms (storages {3} ms, bundle {4} ms, {1} "
                    + "create {5} ms)", id, runtime.binary(), (end - begin) / 1_000_000,
                    (storagesDone - begin) / 1_000_000, (bundleDone - storagesDone) / 1_000_000,
                    (end - bundleDone) / 1_000_000);
        } finally {
            lifecycle.unlock();
        }
    }

    public void startContainer(String id) throws IOException, InterruptedException {
        lifecycle.lock();
        try {
            Container container = container(id);
            if (container.isStarted()) {
                throw ErrdefsException.failedPrecondition("container " + id + " is already started");
            }
            runtime.start(container.bundle());
            container.markStarted();
        } finally {
            lifecycle.unlock();
        }
    }

    /** PauseContainer ({@code true}) and ResumeContainer: the runtime freezes or thaws the container's cgroup. */
    public void freeze(String id, boolean frozen) throws IOException, InterruptedException {
        lifecycle.lock();
        try {
            Container container = container(id);
            if (!container.isStarted()) {
                throw ErrdefsException.failedPrecondition("container " + id + " is not started");
            }
            runtime.freeze(container.bundle(), frozen);
        } finally {
            lifecycle.unlock();
        }
    }

    /** UpdateContainer: {@code runtime update} with the new resources written beside the bundle. */
    public void update(String id, LinuxResources resources) throws IOException, InterruptedException {
        lifecycle.lock();
        try {
            Container container = container(id);
            bundles.writeResources(container.bundle(), resources);
            try {
                runtime.update(container.bundle());
            } finally {
                Files.deleteIfExists(container.bundle().resourcesFile());
            }
        } finally {
            lifecycle.unlock();
        }
    }

    /** StatsContainer: the container's cgroup counters and the VM's interfaces. */
    public StatsContainerResponse stats(String id) throws IOException {
        Container container = container(id);
        return StatsContainerResponse.newBuilder().setCgroupStats(CgroupStatsReader.read(container.cgroup()))
                .addAllNetworkStats(NetDevStats.read(NetDevStats.PROC_NET_DEV)).build();
    }

    /** GetOOMEvent: blocks until the OOM killer hits a container, and names it. */
    public String nextOomKilled() throws InterruptedException {
        return oom.next();
    }

    /** ExecProcess: {@code runtime exec --detach} with the process written beside the bundle. */
    public void exec(String id, String execId, Process process) throws IOException, InterruptedException {
        Ids.checkExec(execId);
        lifecycle.lock();
        try {
            Container container = container(id);
            if (container.process(execId).isPresent()) {
                throw ErrdefsException.alreadyExists("exec id " + execId + " is in use in container " + id);
            }
            bundles.writeProcess(container.bundle(), execId, process);
            try {
                container.addExec(launcher.exec(container.bundle(), execId, process));
            } finally {
                Files.deleteIfExists(container.bundle().processFile(execId));
            }
        } finally {
            lifecycle.unlock();
        }
    }

    /** The init process for its exec ids (see {@link #createContainer}), else that exec. */
    public ContainerProcess process(String id, String execId) {
        Container container = container(id);
        return container.process(execId).orElseThrow(() -> ErrdefsException.notFound(
                "no process with exec id '" + execId + "' in container " + id));
    }

    /**
     * SignalProcess with Kata's reading of the request: SIGTERM to an init that does not handle it becomes SIGKILL;
     * SIGKILL to the init takes every process of the container with it; the empty exec id (what Kata's runtime sends
     * for containerd's Kill with {@code all}) signals every process of the container, the init included.
     */
    public void signal(String id, String execId, int signal) throws IOException, InterruptedException {
        Container container = container(id);
        if (!container.isInit(execId)) {
            process(id, execId).signal(signal);
            return;
        }
        ContainerProcess init = container.init();
        if (init.hasExited()) {
            return; // its pid namespace, and so every process of the container, ended with it
        }
        int effective = signal == Processes.SIGTERM && !SignalDisposition.isHandled(init.pid(), Processes.SIGTERM)
                ? Processes.SIGKILL : signal;
        if (effective == Processes.SIGKILL || execId.isEmpty()) {
            signalAll(container, effective);
        } else {
            init.signal(effective);
        }
    }

    /**
     * WaitProcess: the exit status, immediately if the process has exited already. An exec'd process is forgotten
     * afterwards and its streams closed, as in Kata's agent; the init stays until RemoveContainer.
     */
    public Termination await(String id, String execId) throws IOException, InterruptedException {
        Container container = container(id);
        ContainerProcess process = process(id, execId);
        Termination termination = process.awaitExit();
        if (!container.isInit(execId)) {
            container.removeExec(process);
            process.closeIo();
        }
        return termination;
    }

    /**
     * RemoveContainer: kills what still runs, waits up to {@code timeout} (zero: no limit, as in Kata) for the
     * init, deletes the container from the runtime, releases its streams and storages and removes the bundle.
     */
    public void removeContainer(String id, Duration timeout) throws IOException, InterruptedException {
        lifecycle.lock();
        try {
            Container container = container(id);
            if (!container.init().hasExited()) {
                signalAll(container, Processes.SIGKILL);
                awaitInit(container, timeout);
            }
            oom.forget(id);
            runtime.delete(container.bundle());
            containers.remove(id);
            IOException failure = null;
            for (ContainerProcess process : container.processes()) {
                try {
                    process.closeIo();
                } catch (IOException e) {
                    failure = first(failure, e);
                }
            }
            try {
                storages.release(container.storages());
            } catch (IOException e) {
                failure = first(failure, e);
            }
            try {
                bundles.remove(container.bundle());
            } catch (IOException e) {
                failure = first(failure, e);
            }
            if (failure != null) {
                throw failure;
            }
            LOG.log(Level.INFO, "removed container {0}", id);
        } finally {
            lifecycle.unlock();
        }
    }

    /** DestroySandbox: removes every container, then the sandbox's storages; goes on past failures. */
    public void destroy() throws InterruptedException {
        for (String id : List.copyOf(containers.keySet())) {
            try {
                removeContainer(id, DESTROY_TIMEOUT);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "destroying the sandbox: removing container {0} failed: {1}", id,
                        e.getMessage());
            }
        }
        lifecycle.lock();
        try {
            storages.release(sandboxStorages);
            sandboxStorages.clear();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "destroying the sandbox: releasing its storages failed: {0}", e.getMessage());
        } finally {
            lifecycle.unlock();
        }
    }

    /** The number of containers, for diagnostics and tests. */
    public int size() {
        return containers.size();
    }

    private Container container(String id) {
        Container container = containers.get(id);
        if (container == null) {
            throw ErrdefsException.invalidArgument("invalid container id " + id);
        }
        return container;
    }

    private void signalAll(Container container, int signal) throws IOException, InterruptedException {
        try {
            runtime.kill(container.bundle(), signal, true);
        } catch (OciRuntimeException e) {
            // The init may have died on its own meanwhile; then the runtime has nothing left to signal.
            if (!container.init().hasExited()) {
                throw e;
            }
        }
    }

    private static void awaitInit(Container container, Duration timeout) throws IOException, InterruptedException {
        try {
            if (timeout.isZero()) {
                container.init().awaitExit();
            } else {
                container.init().exit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException e) {
            throw new IOException("container " + container.id() + " did not stop within " + timeout, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the reaper never fails an exit", e);
        }
    }

    private void watchOom(String id, CgroupDir cgroup) {
        try {
            oom.watch(id, cgroup);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "container {0} runs without OOM events: cannot watch {1}: {2}", id,
                    cgroup.path(), e.getMessage());
        }
    }

    private void undoCreate(GuestBundle bundle, Exception failure) {
        try {
            runtime.delete(bundle);
        } catch (IOException | InterruptedException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        try {
            bundles.remove(bundle);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private void releaseAfterFailure(List<Path> attached, Exception failure) {
        try {
            storages.release(attached);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static IOException first(IOException current, IOException next) {
        if (current == null) {
            return next;
        }
        current.addSuppressed(next);
        return current;
    }
}
