package io.katacontainers.runtime.sandbox;

import io.katacontainers.agent.proto.CreateContainerRequest;
import io.katacontainers.agent.proto.CreateSandboxRequest;
import io.katacontainers.agent.proto.Root;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.agent.proto.Storage;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentDialer;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.cgroup.CgroupMounts;
import io.katacontainers.runtime.cgroup.CgroupsPath;
import io.katacontainers.runtime.cgroup.SandboxCgroup;
import io.katacontainers.runtime.mount.ContainerMounts;
import io.katacontainers.runtime.mount.HostProbe;
import io.katacontainers.runtime.mount.MountException;
import io.katacontainers.runtime.mount.SandboxBindMounts;
import io.katacontainers.runtime.mount.SharedMounts;
import io.katacontainers.runtime.network.PodNetwork;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One pod: a VM with a running agent, a shared directory exported to it by virtio-fs, and the containers created
 * in it. {@link #close()} tears everything down in reverse order and may be called from any thread, any number of
 * times; a failure half-way through {@link #start} leaves nothing behind either.
 */
public final class Sandbox implements AutoCloseable {
    /** Where the guest mounts the shared directory, as in Kata. */
    public static final String GUEST_SHARED_DIR = GuestContract.GUEST_SHARED_DIR;
    /** The virtio-fs tag of the shared directory, as in Kata. */
    public static final String SHARED_FS_TAG = GuestContract.SHARED_FS_TAG;
    private static final System.Logger LOG = System.getLogger(Sandbox.class.getName());
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final String id;
    private final Hypervisor vm;
    private final AgentClient agent;
    private final Path sharedDir;
    private final ResourceLedger resources;
    /** Disk-backed emptyDirs are made in the guest ({@code disable_guest_empty_dir = false}, shared-fs mode). */
    private final boolean guestEmptyDir;
    private final Map<String, SharedRootfs> rootfs = new LinkedHashMap<>();
    /** The host paths shared for each container's bind mounts. */
    private final Map<String, List<Resource.SharedMount>> volumes = new LinkedHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    private final Optional<PodNetwork> network;
    private final Optional<GuestConsoleLog> consoleLog;

    private Sandbox(String id, Hypervisor vm, AgentClient agent, Path sharedDir, ResourceLedger resources,
                    Optional<PodNetwork> network, boolean guestEmptyDir, Optional<GuestConsoleLog> consoleLog) {
        this.id = id;
        this.consoleLog = consoleLog;
        this.network = network;
        this.guestEmptyDir = guestEmptyDir;
        this.resources = resources;
        this.vm = vm;
        this.agent = agent;
        this.sharedDir = sharedDir;
    }

    /** Boots the VM, waits for the agent and sets the sandbox up in the guest. */
    public static Sandbox start(String id, String hostname, KataConfig config, HypervisorDriver driver, Path runDir)
            throws SandboxException, InterruptedException {
        return start(id, hostname, config, driver, runDir, Optional.empty(), List.of());
    }

    /**
     * Boots the VM with the veths of {@code netns} (the pod's network namespace) as its NICs, and configures them
     * in the guest once the agent is up. A namespace that does not exist, an endpoint or
     * {@code internetworking_model} that is not supported fail before the VM boots. {@code dns} are the lines of
     * the guest's resolv.conf (CreateSandbox's {@code dns}), none to keep the guest's own.
     */
    public static Sandbox start(String id, String hostname, KataConfig config, HypervisorDriver driver, Path runDir,
                                Optional<Path> netns, List<String> dns) throws SandboxException, InterruptedException {
        return start(id, hostname, config, driver, runDir, netns, dns, Optional.empty(), SandboxSizing.NONE);
    }

    /**
     * As {@link #start(String, String, KataConfig, HypervisorDriver, Path, Optional, List)}, and with the pod's host
     * side: with {@code sandbox_cgroup_only} this process joins the sandbox's cgroup of {@code cgroupsPath} (the
     * sandbox spec's) before the VMM and virtiofsd start; with {@code static_sandbox_resource_mgmt} the VM gets
     * {@code sizing} on top of its configured size.
     */
    public static Sandbox start(String id, String hostname, KataConfig config, HypervisorDriver driver, Path runDir,
                                Optional<Path> netns, List<String> dns, Optional<String> cgroupsPath,
                                SandboxSizing sizing) throws SandboxException, InterruptedException {
        Path sharedDir = runDir.resolve("shared");
        ResourceLedger resources;
        try {
            resources = ResourceLedger.of(runDir);
            resources.attach(new Resource.SharedFs(sharedDir), () -> Files.createDirectories(sharedDir));
        } catch (IOException e) {
            throw new SandboxException("cannot create the sandbox directory " + sharedDir + ": " + e.getMessage(), e);
        }
        if (config.runtime().sandboxCgroupOnly()) {
            joinSandboxCgroup(id, resources, cgroupsPath);
        }
        Optional<PodNetwork> network = Optional.empty();
        if (netns.isPresent()) {
            try {
                network = Optional.of(PodNetwork.attach(netns.get(),
                        PodNetwork.Model.of(config.runtime().internetworkingModel()), resources));
            } catch (IOException e) {
                throw new SandboxException("sandbox " + id + ": " + e.getMessage(), e);
            }
        }
        try {
            return start(id, hostname, dns, config, driver, runDir, sharedDir, resources, network,
                    config.runtime().staticSandboxResourceMgmt() ? sizing : SandboxSizing.NONE);
        } catch (SandboxException | InterruptedException | RuntimeException e) {
            network.ifPresent(PodNetwork::close);
            throw e;
        }
    }

    private static Sandbox start(String id, String hostname, List<String> dns, KataConfig config,
                                 HypervisorDriver driver, Path runDir, Path sharedDir, ResourceLedger resources,
                                 Optional<PodNetwork> network, SandboxSizing sizing)
            throws SandboxException, InterruptedException {
        try {
            SharedMounts.shareAll(resources, sharedDir,
                    SandboxBindMounts.plan(config.runtime().sandboxBindMounts(), HostProbe.live()));
        } catch (MountException | IOException e) {
            throw new SandboxException("sandbox " + id + " did not start: " + e.getMessage(), e);
        }
        VmSpec spec = sizing.addTo(VmSpecs.of(id, config.hypervisor(), config.agent(), runDir));
        if (!sizing.equals(SandboxSizing.NONE)) {
            LOG.log(System.Logger.Level.INFO, "sandbox {0}: the workload asks {1} CPUs and {2} MiB: the VM gets {3} "
                    + "vCPUs and {4} MiB", id, sizing.cpus(), sizing.memoryMiB(), spec.vcpus(), spec.memoryMiB());
        }
        Duration dialTimeout = Duration.ofSeconds(config.agent().dialTimeout());
        Hypervisor vm = null;
        if (config.factory().enableTemplate()) {
            VmTemplate.Result<Path> template = VmTemplate.usable(config, driver, spec,
                    !network.map(PodNetwork::devices).orElse(List.of()).isEmpty());
            if (template.value().isPresent()) {
                vm = startClone(id, template.value().get(), config, driver, spec, sharedDir, dialTimeout);
            } else {
                LOG.log(System.Logger.Level.WARNING, "sandbox {0} boots cold: {1}", id, template.why());
            }
        }
        boolean cloned = vm != null;
        if (vm == null) {
            try {
                vm = driver.create(spec);
            } catch (HypervisorException e) {
                throw new SandboxException("cannot create the VM of sandbox " + id + ": " + e.getMessage(), e);
            }
        }
        AgentClient agent = null;
        Optional<GuestConsoleLog> consoleLog = Optional.empty();
        try {
            if (!cloned) {
                for (Device device : VmSpecs.devices(sharedDir, config.agent())) {
                    vm.addDevice(device);
                }
                for (Device device : network.map(PodNetwork::devices).orElse(List.of())) {
                    vm.addDevice(device);
                }
                vm.start(dialTimeout);
            }
            // The agent's log lines (and the guest's end) reach the shim's log from here on.
            Hypervisor started = vm;
            consoleLog = vm.consoleLog().map(file -> GuestConsoleLog.follow(id, file,
                    () -> started.state() == VmState.STOPPED
                            ? Optional.of(started.endReason().orElse("the VMM ended")) : Optional.empty()));
            if (config.agent().debugConsoleEnabled()) {
                DebugConsoleAddress.write(runDir, vm.endpoint(GuestContract.DEBUG_CONSOLE_VSOCK_PORT));
            }
            agent = AgentDialer.dial(vm, dialTimeout);
            if (cloned) {
                makeOwnMachine(agent);
            }
            agent.createSandbox(CreateSandboxRequest.newBuilder()
                    .setSandboxId(id)
                    .setHostname(hostname)
                    .addAllDns(dns)
                    .addStorages(Storage.newBuilder().setDriver("virtio-fs").setSource(SHARED_FS_TAG)
                            .setFstype("virtiofs").setMountPoint(GUEST_SHARED_DIR))
                    .build());
            if (network.isPresent()) {
                configureGuestNetwork(agent, network.get());
            }
            LOG.log(System.Logger.Level.INFO, "sandbox {0} ready (VMM pid {1})", id, vm.vmmPid());
            return new Sandbox(id, vm, agent, sharedDir, resources, network,
                    !config.runtime().disableGuestEmptyDir(), consoleLog);
        } catch (HypervisorException | AgentException | IOException e) {
            if (agent != null) {
                agent.close();
            }
            consoleLog.ifPresent(GuestConsoleLog::close);
            vm.close();
            throw new SandboxException("sandbox " + id + " did not start: " + e.getMessage(), e);
        } catch (InterruptedException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            }
            consoleLog.ifPresent(GuestConsoleLog::close);
            vm.close();
            throw e;
        }
    }

    /**
     * The sandbox's VM as a clone of the template in {@code dir}, started; null (and why, logged) when the driver
     * refuses the template or the restore fails: the caller then boots the VM cold.
     */
    private static Hypervisor startClone(String id, Path dir, KataConfig config, HypervisorDriver driver,
                                         VmSpec spec, Path sharedDir, Duration timeout) {
        Hypervisor vm = null;
        try {
            vm = driver.createFromTemplate(spec, dir);
            for (Device device : VmSpecs.devices(sharedDir, config.agent())) {
                vm.addDevice(device);
            }
            vm.start(timeout);
            LOG.log(System.Logger.Level.INFO, "sandbox {0}: VM restored from the template in {1}", id, dir);
            return vm;
        } catch (HypervisorException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "sandbox " + id + " boots cold: it cannot start from the VM "
                    + "template: " + e.getMessage(), e);
            if (vm != null) {
                vm.close();
            }
            return null;
        }
    }

    /** Host random bytes for a clone's entropy pool: as many as Kata's runtime sends. */
    private static final int RESEED_BYTES = 512;

    /**
     * A clone starts with the template's clock and entropy pool: its wall clock is set to the host's (Kata's
     * SetGuestDateTime) and its pool reseeded with fresh host bytes (Kata's ReseedRandomDev), so that no two
     * clones draw the same random numbers. Its hostname and shared filesystem come with CreateSandbox.
     */
    private static void makeOwnMachine(AgentClient agent) throws AgentException {
        agent.setGuestDateTime(java.time.Instant.now());
        byte[] seed = new byte[RESEED_BYTES];
        new java.security.SecureRandom().nextBytes(seed);
        agent.reseedRandomDev(seed);
    }

    /**
     * {@code sandbox_cgroup_only}: this process (the shim, the sandbox holder or {@code kata-runtime run}) moves into
     * the sandbox's cgroup, so that the VMM and virtiofsd it starts next are born there. A spec without a
     * {@code cgroupsPath} (nothing placed it) leaves the process where it is.
     */
    private static void joinSandboxCgroup(String id, ResourceLedger resources, Optional<String> cgroupsPath)
            throws SandboxException {
        if (cgroupsPath.isEmpty() || cgroupsPath.get().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "sandbox {0}: sandbox_cgroup_only is set but the spec has no "
                    + "linux.cgroupsPath: the VM stays in the runtime's cgroup", id);
            return;
        }
        try {
            SandboxCgroup.join(resources, CgroupMounts.live(), CgroupsPath.of(cgroupsPath.get()),
                    ProcessHandle.current().pid());
        } catch (IllegalArgumentException | IOException e) {
            throw new SandboxException("sandbox " + id + ": cannot place it in its cgroup (sandbox_cgroup_only, "
                    + "cgroupsPath " + cgroupsPath.get() + "): " + e.getMessage(), e);
        }
    }

    /** What the scan found, as Kata's runtime sends it: interfaces, then routes, then static neighbours. */
    private static void configureGuestNetwork(AgentClient agent, PodNetwork network) throws AgentException {
        for (var nic : network.interfaces()) {
            agent.updateInterface(nic);
        }
        if (!network.routes().isEmpty()) {
            agent.updateRoutes(network.routes());
        }
        if (!network.neighbors().isEmpty()) {
            agent.addArpNeighbors(network.neighbors());
        }
    }

    public String id() {
        return id;
    }

    public AgentClient agent() {
        return agent;
    }

    public Hypervisor vm() {
        return vm;
    }

    /** What the sandbox has attached on the host; a container's other resources (its rootfs mount) go here too. */
    public ResourceLedger resources() {
        return resources;
    }

    private void detach(Resource resource) {
        try {
            resources.detach(resource);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot tear down {0}: {1}", resource.line(), e.getMessage());
        }
    }

    /** {@link #createContainer(String, Spec, Path, Optional)} for a caller without a bundle directory. */
    public void createContainer(String containerId, Spec spec, Path hostRootfs) throws SandboxException {
        createContainer(containerId, spec, hostRootfs, Optional.empty());
    }

    /**
     * Shares the container's root filesystem and the host paths of its bind mounts with the guest, and creates
     * the container there (not started); nothing is left shared when it fails.
     *
     * @param bundleDir what relative bind-mount sources are relative to
     */
    public void createContainer(String containerId, Spec spec, Path hostRootfs, Optional<Path> bundleDir)
            throws SandboxException {
        lock.lock();
        try {
            if (closed) {
                throw new SandboxException("sandbox " + id + " is shut down");
            }
            if (rootfs.containsKey(containerId)) {
                throw new SandboxException("container " + containerId + " already exists in sandbox " + id);
            }
            ContainerMounts.Plan mounts;
            try {
                mounts = ContainerMounts.plan(id, containerId, spec.getMountsList(), bundleDir, guestEmptyDir,
                        HostProbe.live());
            } catch (MountException | IOException e) {
                throw new SandboxException("cannot create container " + containerId + ": " + e.getMessage(), e);
            }
            SharedRootfs shared = SharedRootfs.share(resources, hostRootfs, sharedDir, containerId,
                    GUEST_SHARED_DIR);
            List<Resource.SharedMount> shares = List.of();
            try {
                shares = SharedMounts.shareAll(resources, sharedDir, mounts.shares());
                Spec guestSpec = spec.toBuilder()
                        .setRoot(Root.newBuilder(spec.getRoot()).setPath(shared.guestPath()))
                        .clearMounts().addAllMounts(mounts.mounts())
                        // OCI hooks name host programs (Docker's prestart is dockerd's libnetwork-setkey): they
                        // belong on the host, as in Kata; in the guest, crun failed the create on them.
                        .clearHooks()
                        .build();
                agent.createContainer(CreateContainerRequest.newBuilder()
                        .setContainerId(containerId).setExecId(containerId).setOCI(guestSpec)
                        .addAllStorages(mounts.storages()).build());
            } catch (AgentException | IOException | RuntimeException e) {
                SharedMounts.unshareAll(resources, shares, e);
                detach(shared.hostMount());
                throw new SandboxException("cannot create container " + containerId + ": " + e.getMessage(), e);
            }
            rootfs.put(containerId, shared);
            volumes.put(containerId, shares);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes a container from the guest and stops sharing its root filesystem. With {@code guestGone} (the VM
     * died) only the host side is undone.
     */
    public void removeContainer(String containerId, boolean guestGone) throws SandboxException {
        lock.lock();
        try {
            SharedRootfs shared = rootfs.remove(containerId);
            List<Resource.SharedMount> shares = volumes.getOrDefault(containerId, List.of());
            volumes.remove(containerId);
            if (closed || shared == null) {
                return;
            }
            try {
                if (!guestGone) {
                    agent.removeContainer(containerId);
                }
            } catch (AgentException e) {
                throw new SandboxException("cannot remove container " + containerId + ": " + e.getMessage(), e);
            } finally {
                shares.reversed().forEach(this::detach);
                detach(shared.hostMount());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Asks the agent to end the sandbox, stops the VM, and removes the shared mounts. Errors are logged, not
     * thrown, so that every step runs.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            consoleLog.ifPresent(GuestConsoleLog::expectEnd);
            try {
                agent.destroySandbox();
            } catch (AgentException e) {
                LOG.log(System.Logger.Level.DEBUG, "DestroySandbox: {0}", e.getMessage());
            }
            agent.close();
            try {
                vm.stop(STOP_TIMEOUT);
            } catch (HypervisorException e) {
                LOG.log(System.Logger.Level.WARNING, "stopping the VM of sandbox {0}: {1}", id, e.getMessage());
            }
            consoleLog.ifPresent(GuestConsoleLog::close);
            vm.close();
            network.ifPresent(PodNetwork::close);
            try {
                resources.detachAll(); // shared mounts, rootfs mounts, taps and qdiscs, then the shared dir
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "tearing down the resources of sandbox {0}: {1}", id,
                        e.getMessage());
            }
            rootfs.clear();
            volumes.clear();
        } finally {
            lock.unlock();
        }
    }
}
