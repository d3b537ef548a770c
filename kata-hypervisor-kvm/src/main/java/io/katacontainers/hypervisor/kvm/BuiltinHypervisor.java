package io.katacontainers.hypervisor.kvm;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.ColdPlugDevices;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.api.kernel.KernelCommandLine;
import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.api.virtiofs.VirtiofsdCommand;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.TunTap;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.block.BlockDevice;
import io.katacontainers.hypervisor.kvm.devices.virtio.fs.VirtioFsDevice;
import io.katacontainers.hypervisor.kvm.devices.virtio.net.NetDevice;
import io.katacontainers.hypervisor.kvm.devices.virtio.rng.RngDevice;
import io.katacontainers.hypervisor.kvm.devices.virtio.vsock.VsockDevice;
import io.katacontainers.hypervisor.kvm.seccomp.ThreadSetup;
import io.katacontainers.hypervisor.kvm.seccomp.VmmSeccomp;
import io.katacontainers.hypervisor.kvm.snapshot.SnapshotException;
import io.katacontainers.hypervisor.kvm.snapshot.SnapshotIdentity;
import io.katacontainers.hypervisor.kvm.vstate.VcpuExit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One VM of the built-in VMM. Control operations take one lock, so concurrent callers (a shutdown racing a
 * delete, a pause racing a stop) run one after the other; {@link #state()} reads without it. A guest that ends
 * by itself (reboot, triple fault, vCPU failure) is released on a thread of its own, under the same lock.
 */
final class BuiltinHypervisor implements Hypervisor {
    private static final System.Logger LOG = System.getLogger(BuiltinHypervisor.class.getName());
    /** The guest's vsock context id: the VM is alone on its device, so any id above the reserved 0-2 does. */
    static final long GUEST_CID = 3;
    private static final Duration VIRTIOFSD_TIMEOUT = Duration.ofSeconds(10);
    private static final int CONSOLE_TAIL_BYTES = 2048;
    private static final Duration PAUSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** What this VM is for: a cold boot, the VM that becomes a template, or a clone of one. */
    sealed interface Role {
        /** Boots the guest kernel. */
        record Cold() implements Role {
        }

        /** Boots, and is then saved into {@code dir}, with an unused virtio-fs device for each clone's share. */
        record Template(Path dir) implements Role {
        }

        /** Restores the template in {@code dir}. */
        record Clone(Path dir) implements Role {
        }
    }

    private final VmSpec spec;
    private final Role role;
    private final Path kvmDevice;
    private final Optional<Path> setpriv;
    /** Starts virtiofsd; closed after the VMM, so nothing it started outlives the VM. */
    private final ProcessLauncher launcher;
    private final ReentrantLock control = new ReentrantLock();
    private volatile VmState state = VmState.CREATED;
    private Vmm vmm;
    private ConsoleLog console;
    private volatile VcpuExit guestExit;
    /** Set by a release: from then on a device's back end going away is the stop's doing, not a failure. */
    private volatile boolean stopping;
    /** Completed with the guest's own end, or with null by a release; a platform thread started here waits on it. */
    private final CompletableFuture<VcpuExit> ended = new CompletableFuture<>();
    /** The vCPU and device threads' seccomp filter, unless {@code disable_seccomp}. */
    private final ThreadSetup threadSetup;
    private final ColdPlugDevices devices = new ColdPlugDevices(BuiltinDriver.NAME,
            Set.of(Device.Vsock.class, Device.SharedFs.class, Device.Block.class, Device.Network.class));

    BuiltinHypervisor(VmSpec spec, Path kvmDevice, Optional<Path> setpriv) {
        this(spec, new Role.Cold(), kvmDevice, setpriv);
    }

    BuiltinHypervisor(VmSpec spec, Role role, Path kvmDevice, Optional<Path> setpriv) {
        this.spec = spec;
        this.role = role;
        this.kvmDevice = kvmDevice;
        this.setpriv = setpriv;
        this.launcher = new ProcessLauncher(setpriv, spec.sandboxId());
        this.threadSetup = seccompEnabled(spec) ? VmmSeccomp.installer() : ThreadSetup.NONE;
    }

    /**
     * The built-in VMM filters its threads unless the configuration's {@code disable_seccomp} is set, which the
     * runtime passes as an empty {@link VmSpec#seccompSandbox()}.
     */
    static boolean seccompEnabled(VmSpec spec) {
        return !spec.seccompSandbox().isEmpty();
    }

    /**
     * Cold-plug only: one vsock (hybrid, on {@code kata.hvsock}), one virtio-fs share, virtio-blk disks and virtio-net
     * interfaces (each on a tap descriptor opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, checked here).
     */
    @Override
    public void addDevice(Device device) throws HypervisorException {
        control.lock();
        try {
            if (device instanceof Device.Network network && state == VmState.CREATED) {
                checkTap(network);
            }
            devices.add(device, state);
        } finally {
            control.unlock();
        }
    }

    private void checkTap(Device.Network network) throws HypervisorException {
        int wanted = TunTap.IFF_TAP | TunTap.IFF_NO_PI | TunTap.IFF_VNET_HDR;
        int flags;
        try {
            flags = TunTap.flags(network.tapFd());
        } catch (SyscallException e) {
            throw new HypervisorException("the " + BuiltinDriver.NAME + " driver cannot add " + network.describe()
                    + ": descriptor " + network.tapFd() + " is not an open tap (" + e.getMessage() + ")", e);
        }
        if ((flags & wanted) != wanted) {
            throw new HypervisorException("the " + BuiltinDriver.NAME + " driver cannot add " + network.describe()
                    + ": the tap has flags 0x" + Integer.toHexString(flags) + "; open it with IFF_TAP | IFF_NO_PI"
                    + " | IFF_VNET_HDR");
        }
    }

    @Override
    public void start(Duration timeout) throws HypervisorException {
        control.lock();
        try {
            if (state != VmState.CREATED) {
                throw new HypervisorException("VM " + spec.sandboxId() + " is " + state + "; only a new VM starts");
            }
            try {
                console = new ConsoleLog(consoleFile(), CONSOLE_TAIL_BYTES);
                if (role instanceof Role.Clone(Path dir)) {
                    restore(dir);
                } else {
                    if (role instanceof Role.Template) {
                        // The template carries the fs device every clone needs (its slot and IRQ are on the
                        // command line in the template's RAM); the guest never mounts it, so it holds no state.
                        Path share = spec.runDir().resolve("template-share");
                        Files.createDirectories(share);
                        devices.add(new Device.SharedFs(GuestContract.SHARED_FS_TAG, share), state);
                    }
                    Vmm.Config config = new Vmm.Config(spec.vcpus(), spec.memoryMiB() << 20, spec.kernel(),
                            spec.initrd(), kernelCommandLine(spec), true);
                    try (KvmSystem kvm = KvmSystem.open(kvmDevice)) {
                        vmm = Vmm.create(kvm, config, console, this::guestEnded);
                    }
                    vmm.confineThreads(threadSetup);
                    startWatcher();
                    addVirtioDevices(vmm);
                    vmm.boot();
                }
                state = VmState.RUNNING;
            } catch (SnapshotException e) {
                release(CLOSE_TIMEOUT);
                throw new HypervisorException("the VM template in " + templateDir() + " cannot be used: "
                        + e.getMessage() + BuiltinTemplate.FIX, e);
            } catch (IOException | RuntimeException | HypervisorException e) {
                release(CLOSE_TIMEOUT);
                throw new HypervisorException("the built-in VMM could not start VM " + spec.sandboxId() + ": "
                        + e.getMessage() + consoleSuffix(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                release(CLOSE_TIMEOUT);
                throw new HypervisorException("interrupted while starting VM " + spec.sandboxId(), e);
            }
        } finally {
            control.unlock();
        }
    }

    /**
     * The clone: the template's manifest checked against this VM, then its snapshot restored with this VM's
     * devices (a fresh hybrid-vsock socket, this sandbox's virtiofsd), added in the order the template had them.
     * The restored vCPUs are confined as a cold boot's are: they start inside the restore, after the devices.
     */
    private void restore(Path dir) throws IOException, HypervisorException, InterruptedException {
        SnapshotIdentity identity = identity(spec);
        BuiltinTemplate.load(dir, BuiltinTemplate.identityOf(spec, identity));
        if (devices.first(Device.Vsock.class).isEmpty() || devices.first(Device.SharedFs.class).isEmpty()) {
            throw new HypervisorException("a clone of a built-in VMM template needs a vsock and a shared"
                    + " filesystem, as the template has them");
        }
        if (!devices.all(Device.Block.class).isEmpty() || !devices.all(Device.Network.class).isEmpty()) {
            throw new HypervisorException("a clone of a built-in VMM template cannot have disks or network"
                    + " interfaces: the template has none");
        }
        startWatcher();
        try (KvmSystem kvm = KvmSystem.open(kvmDevice)) {
            // The restore closes what it made when it fails: the release must not close it again.
            vmm = Vmm.restore(kvm, dir, identity, console, this::guestEnded, restored -> {
                restored.confineThreads(threadSetup);
                addVirtioDevices(restored);
            });
        }
    }

    private Path templateDir() {
        return switch (role) {
            case Role.Clone(Path dir) -> dir;
            case Role.Template(Path dir) -> dir;
            case Role.Cold() -> spec.runDir();
        };
    }

    /** What a template of {@code spec} made by this build on this host is, and what a clone must match. */
    static SnapshotIdentity identity(VmSpec spec) throws IOException {
        String version = BuiltinDriver.class.getModule().getDescriptor() == null ? "unversioned"
                : BuiltinDriver.class.getModule().getDescriptor().rawVersion().orElse("unversioned");
        return SnapshotIdentity.ofHost("kata-java built-in VMM " + version + ", template format "
                + BuiltinTemplate.FORMAT, BuiltinTemplate.guestFingerprint(spec));
    }

    /**
     * Saves this template VM, paused with its agent ready, into the directory given to
     * {@link BuiltinDriver#createTemplate}: the snapshot ({@code state}, {@code memory}) then the manifest.
     */
    @Override
    public void saveTemplate(Duration timeout) throws HypervisorException {
        control.lock();
        try {
            if (!(role instanceof Role.Template(Path dir))) {
                throw new HypervisorException("VM " + spec.sandboxId() + " was not made by createTemplate; it"
                        + " cannot be saved as a template");
            }
            requireState(VmState.PAUSED, "save as a template");
            try (KvmSystem kvm = KvmSystem.open(kvmDevice)) {
                SnapshotIdentity identity = identity(spec);
                vmm.snapshot(kvm, dir, identity);
                new BuiltinTemplate(BuiltinTemplate.FORMAT, BuiltinTemplate.identityOf(spec, identity)).write(dir);
            } catch (IOException | RuntimeException e) {
                throw new HypervisorException("saving VM " + spec.sandboxId() + " as a template in " + dir
                        + " failed: " + e.getMessage(), e);
            }
        } finally {
            control.unlock();
        }
    }

    /**
     * The guest console is the 8250 at 0x3f8; without ACPI, a reboot through the i8042 is the guest's way to end
     * the VM; and with no PCI bus, probing its config-space ports is skipped.
     */
    static KernelCommandLine kernelCommandLine(VmSpec spec) {
        KernelCommandLine line = KernelCommandLine.forDriver("ttyS0", "k", spec.debug(), spec.kernelParams())
                .withDriverParams("pci=off");
        return spec.image().isPresent() ? line.withRootImage() : line;
    }

    /**
     * The devices, on one event loop, in a fixed order whatever the order they were added in (it fixes their MMIO
     * slots and IRQs): the vsock (hybrid vsock on {@code kata.hvsock}) when added, rng (part of every VM), the
     * root image as virtio-pmem when the VM boots one,
     * virtio-fs when a shared directory was added, the disks, then the network interfaces, each in the order added
     * (the first interface is the guest's eth0).
     */
    private void addVirtioDevices(Vmm machine) throws IOException, InterruptedException {
        EventLoop loop = EventLoop.start("vm-" + spec.sandboxId() + "-devices", threadSetup);
        machine.own(loop);
        if (devices.first(Device.Vsock.class).isPresent()) {
            machine.addVirtioDevice("vsock", VsockDevice.open(hybridVsockSocket(), GUEST_CID), loop);
        }
        machine.addVirtioDevice("rng", RngDevice.open(), loop);
        if (spec.image().isPresent()) {
            machine.addPmemDevice("pmem0", spec.image().get(), loop);
        }
        Optional<Device.SharedFs> sharedFs = devices.first(Device.SharedFs.class);
        if (sharedFs.isPresent()) {
            Device.SharedFs shared = sharedFs.get();
            if (setpriv.isEmpty()) {
                throw new IOException("setpriv (util-linux) is not on PATH: virtiofsd would outlive a killed "
                        + "runtime; apt-get install util-linux");
            }
            VirtiofsdCommand command = VirtiofsdCommand.forVm(spec, shared, spec.runDir().resolve("virtiofsd.sock"));
            VirtioFsDevice fs = VirtioFsDevice.start(shared.tag(), VirtioFsDevice.MAX_QUEUE_SIZE, launcher,
                    command, spec.runDir().resolve("virtiofsd.log"), VIRTIOFSD_TIMEOUT);
            CompletableFuture<VcpuExit> vmEnd = machine.exit();
            fs.whenDaemonExited(report -> virtiofsdExited(vmEnd, report));
            machine.addVirtioDevice("fs", fs, loop);
        }
        List<Device.Block> disks = devices.all(Device.Block.class);
        for (int index = 0; index < disks.size(); index++) {
            Device.Block disk = disks.get(index);
            machine.addVirtioDevice("blk" + index, BlockDevice.open(disk.path(), disk.readOnly(), "disk" + index),
                    loop);
        }
        List<Device.Network> interfaces = devices.all(Device.Network.class);
        for (int index = 0; index < interfaces.size(); index++) {
            Device.Network network = interfaces.get(index);
            machine.addVirtioDevice("net" + index, NetDevice.open(network.tapFd(), network.mac(), network.mtu()), loop);
        }
    }

    private Path hybridVsockSocket() {
        return spec.runDir().resolve("kata.hvsock");
    }

    @Override
    public AgentEndpoint agentEndpoint() {
        Device.Vsock device = devices.first(Device.Vsock.class).orElseThrow(() -> new IllegalStateException(
                "VM " + spec.sandboxId() + " has no vsock device, so no agent endpoint"));
        return new AgentEndpoint.HybridVsock(hybridVsockSocket(), device.port());
    }

    @Override
    public void pause() throws HypervisorException {
        control.lock();
        try {
            requireState(VmState.RUNNING, "pause");
            if (!vmm.vcpus().pause(PAUSE_TIMEOUT)) {
                vmm.vcpus().resume();
                throw new HypervisorException("vCPUs of VM " + spec.sandboxId() + " did not pause within "
                        + PAUSE_TIMEOUT + "; the VM keeps running");
            }
            state = VmState.PAUSED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vmm.vcpus().resume();
            throw new HypervisorException("interrupted while pausing VM " + spec.sandboxId(), e);
        } finally {
            control.unlock();
        }
    }

    @Override
    public void resume() throws HypervisorException {
        control.lock();
        try {
            requireState(VmState.PAUSED, "resume");
            vmm.vcpus().resume();
            state = VmState.RUNNING;
        } finally {
            control.unlock();
        }
    }

    @Override
    public void stop(Duration timeout) throws HypervisorException {
        control.lock();
        try {
            release(timeout);
        } catch (RuntimeException e) {
            throw new HypervisorException("stopping VM " + spec.sandboxId() + " failed: " + e.getMessage(), e);
        } finally {
            control.unlock();
        }
    }

    @Override
    public VmState state() {
        return state;
    }

    private Path consoleFile() {
        return spec.runDir().resolve("console.log");
    }

    @Override
    public Optional<Path> consoleLog() {
        return Optional.of(consoleFile());
    }

    @Override
    public String consoleTail() {
        ConsoleLog log = console;
        return log == null ? "" : log.tail();
    }

    @Override
    public Optional<String> endReason() {
        return Optional.ofNullable(guestExit).map(VcpuExit::describe);
    }

    @Override
    public long vmmPid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public void close() {
        try {
            stop(CLOSE_TIMEOUT);
        } catch (HypervisorException e) {
            LOG.log(System.Logger.Level.ERROR, "closing VM " + spec.sandboxId() + " left resources behind", e);
        }
    }

    /**
     * virtiofsd ended while the VM runs: the guest's root filesystems and volumes are gone and every access to them
     * would hang, so the VM goes too (as Kata does, and as the QEMU driver does), which ends the agent's connection
     * and with it every container. After a stop, which ends virtiofsd itself, this does nothing.
     */
    private void virtiofsdExited(CompletableFuture<VcpuExit> vmEnd, String report) {
        if (stopping) {
            return;
        }
        LOG.log(System.Logger.Level.ERROR, "sandbox " + spec.sandboxId() + ": " + report
                + "; the shared filesystem is gone, stopping the VM");
        vmEnd.complete(new VcpuExit.BackEndLost("virtio-fs", report + "; the shared filesystem is gone"));
    }

    /**
     * The guest ended by itself; runs on a vCPU or device thread, so the release (which joins vCPUs) goes to the
     * watcher. That thread was started unfiltered at start: a filtered thread creates no threads.
     */
    private void guestEnded(VcpuExit exit) {
        if (stopping) {
            return;
        }
        guestExit = exit;
        ended.complete(exit);
    }

    private void startWatcher() {
        Thread.ofPlatform().daemon().name("vm-" + spec.sandboxId() + "-release").start(() -> {
            VcpuExit exit = ended.join();
            if (exit == null) {
                return;
            }
            control.lock();
            try {
                release(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "releasing VM " + spec.sandboxId() + " after the guest ended", e);
            } finally {
                control.unlock();
            }
        });
    }

    /** Stops the vCPUs and releases everything; idempotent. Holds {@link #control}. */
    private void release(Duration timeout) {
        state = VmState.STOPPED;
        stopping = true;
        ended.complete(null);
        RuntimeException failure = null;
        if (vmm != null) {
            try {
                vmm.close(timeout);
                vmm = null;
                VcpuExit exit = guestExit;
                if (exit != null) {
                    LOG.log(System.Logger.Level.INFO, "VM {0} ended: {1}", spec.sandboxId(), exit.describe());
                }
            } catch (Exception e) {
                failure = new IllegalStateException("releasing the VM: " + e.getMessage(), e);
            }
        }
        try {
            // The devices stopped virtiofsd; this kills whatever a failed start or close left running.
            launcher.close();
        } catch (IllegalStateException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (console != null) {
            try {
                console.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing the console log of VM " + spec.sandboxId(), e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void requireState(VmState wanted, String operation) throws HypervisorException {
        if (state != wanted) {
            throw new HypervisorException("cannot " + operation + " VM " + spec.sandboxId() + ": it is " + state);
        }
    }

    private String consoleSuffix() {
        String tail = consoleTail().strip();
        return tail.isEmpty() ? "" : "\nguest console:\n" + tail;
    }
}
