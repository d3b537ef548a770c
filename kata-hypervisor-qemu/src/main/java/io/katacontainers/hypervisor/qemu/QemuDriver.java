package io.katacontainers.hypervisor.qemu;

import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.HostSupport;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.hypervisor.qemu.cmdline.AgentChannel;
import io.katacontainers.hypervisor.qemu.cmdline.MachineType;
import io.katacontainers.hypervisor.qemu.cmdline.QemuCommandLine;
import io.katacontainers.hypervisor.qemu.cmdline.RunFiles;
import io.katacontainers.hypervisor.qemu.host.Acceleration;
import io.katacontainers.hypervisor.qemu.host.HostFacts;
import io.katacontainers.hypervisor.qemu.host.QemuBinary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

/** The {@code qemu} hypervisor driver. */
public final class QemuDriver implements HypervisorDriver {
    static final String NAME = "qemu";
    private static final System.Logger LOG = System.getLogger(QemuDriver.class.getName());
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(5);

    private final Path hostRoot;
    private final Optional<Path> setpriv;
    private final RandomGenerator random;
    private final AtomicBoolean tcgWarned = new AtomicBoolean();
    private final AtomicBoolean microvmWarned = new AtomicBoolean();

    /** For {@link java.util.ServiceLoader}: the real host, {@code setpriv} from PATH. */
    public QemuDriver() {
        this(Path.of("/"), ProcessLauncher.findOnPath("setpriv"), RandomGenerator.getDefault());
    }

    /**
     * @param hostRoot where /dev, /proc and /sys are read from
     * @param setpriv util-linux setpriv, which gives children a parent-death signal
     * @param random picks vsock context ids
     */
    QemuDriver(Path hostRoot, Optional<Path> setpriv, RandomGenerator random) {
        this.hostRoot = hostRoot;
        this.setpriv = setpriv;
        this.random = random;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public HostSupport hostSupport(VmSpec spec) {
        HostFacts host = HostFacts.read(hostRoot);
        Acceleration acceleration = Acceleration.choose(hostRoot);
        List<String> notes = new ArrayList<>();
        acceleration.fallbackReason().ifPresent(notes::add);
        String version = "";
        boolean usable = true;
        try {
            version = QemuBinary.version(spec.vmmPath(), VERSION_TIMEOUT);
        } catch (IOException e) {
            usable = false;
            notes.add("QEMU cannot run: " + e.getMessage() + " (Debian: apt-get install qemu-system-x86)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            usable = false;
            notes.add("interrupted while asking " + spec.vmmPath() + " for its version");
        }
        if (MachineType.fromConfig(spec.machineType()).isEmpty()) {
            usable = false;
            notes.add("machine type " + spec.machineType() + " is not supported; use one of " + machineNames());
        }
        if (spec.machineType().equals(MachineType.MICROVM.configName())
                && acceleration.kind() == Acceleration.Kind.TCG) {
            notes.add("without KVM, VMs that share files (virtio-fs) run on q35 instead of microvm");
        }
        if (!host.vhostVsock()) {
            notes.add("/dev/vhost-vsock is missing (modprobe vhost_vsock): the agent is reached over virtio-serial");
        }
        if (setpriv.isEmpty()) {
            notes.add("setpriv (util-linux) not found: QEMU and virtiofsd would outlive a killed runtime");
        }
        if (!Files.isExecutable(spec.virtiofsd())) {
            notes.add(spec.virtiofsd() + " is missing, needed to share files (Debian: apt-get install "
                    + "qemu-system-common)");
        }
        return new HostSupport(spec.vmmPath().toString(), version,
                usable ? acceleration.kind().accel() : "none", notes);
    }

    @Override
    public Hypervisor create(VmSpec spec) throws HypervisorException {
        return create(spec, Optional.empty());
    }

    /**
     * Templates need q35: QEMU 7.2 cannot migrate a vhost-user-fs device, so a clone's shared filesystem is
     * hot-plugged into a PCIe root port after the restore, and microvm has no hotplug.
     */
    @Override
    public Optional<String> templateUnsupported(VmSpec spec) {
        if (!spec.machineType().equals(MachineType.Q35.configName())) {
            return Optional.of("VM templates need machine_type = \"q35\" (not " + spec.machineType() + "): a "
                    + "clone's shared filesystem is hot-plugged after the restore, which microvm cannot");
        }
        if (spec.initrd().isEmpty()) {
            return Optional.of("VM templates need an initrd guest (a clone cannot share the template's root disk)");
        }
        return Optional.empty();
    }

    @Override
    public Hypervisor createTemplate(VmSpec spec, Path dir) throws HypervisorException {
        requireTemplates(spec);
        return create(spec, Optional.of(new QemuHypervisor.TemplateRole.Template(dir.toAbsolutePath())));
    }

    /** The clone is checked against the template when its vsocks are known: at start (see QemuHypervisor). */
    @Override
    public Hypervisor createFromTemplate(VmSpec spec, Path dir) throws HypervisorException {
        requireTemplates(spec);
        if (!Files.isRegularFile(dir.resolve(QemuTemplate.MANIFEST))) {
            throw new HypervisorException("there is no complete VM template in " + dir + " (no "
                    + QemuTemplate.MANIFEST + "); make one: kata-runtime factory init");
        }
        return create(spec, Optional.of(new QemuHypervisor.TemplateRole.Clone(dir.toAbsolutePath())));
    }

    private void requireTemplates(VmSpec spec) throws HypervisorException {
        Optional<String> why = templateUnsupported(spec);
        if (why.isPresent()) {
            throw new HypervisorException(why.get());
        }
    }

    private Hypervisor create(VmSpec spec, Optional<QemuHypervisor.TemplateRole> role) throws HypervisorException {
        MachineType machine = MachineType.fromConfig(spec.machineType()).orElseThrow(() -> new HypervisorException(
                "machine type " + spec.machineType() + " is not supported by the qemu driver; use one of "
                        + machineNames()));
        validate(spec);
        RunFiles files = RunFiles.in(spec.runDir());
        if (!files.socketsTooLong().isEmpty()) {
            throw new HypervisorException("run directory " + spec.runDir() + " is too deep: unix socket paths "
                    + files.socketsTooLong() + " exceed 107 bytes");
        }
        HostFacts host = HostFacts.read(hostRoot);
        Acceleration acceleration = Acceleration.choose(hostRoot);
        acceleration.fallbackReason().ifPresent(reason -> warnOnce(tcgWarned, "QEMU will not use KVM: " + reason));
        // A template's agent channel is virtio-serial everywhere: a vhost-vsock context id would travel into every
        // clone, and a port's socket is re-bound by each clone's QEMU.
        AgentChannel channel = role.isPresent() ? new AgentChannel.Serial(files.agentSocket())
                : agentChannel(host, files);
        return new QemuHypervisor(spec, files, channel,
                (agent, sharedFs, disks, networks, template) -> new QemuCommandLine(spec,
                        template.isPresent() ? MachineType.Q35 : machineFor(machine, acceleration, agent, sharedFs),
                        acceleration, files, agent, sharedFs, disks, host.tscKhz(), networks, template),
                new ProcessLauncher(setpriv, spec.sandboxId()), role);
    }

    /**
     * QEMU 7.2's virtio-mmio turns ioeventfd off unless KVM provides it, and vhost devices (virtiofsd's
     * vhost-user-fs, vhost-vsock) are only ever kicked through an ioeventfd: on microvm under TCG the guest's
     * first request hangs. q35's virtio-pci has ioeventfd under TCG too, so such VMs move there.
     */
    private MachineType machineFor(MachineType requested, Acceleration acceleration, Optional<AgentChannel> agent,
                                   Optional<Device.SharedFs> sharedFs) {
        boolean vhost = sharedFs.isPresent() || agent.filter(AgentChannel.Vsock.class::isInstance).isPresent();
        if (requested == MachineType.MICROVM && acceleration.kind() == Acceleration.Kind.TCG && vhost) {
            warnOnce(microvmWarned, "microvm cannot carry virtio-fs or vhost-vsock without KVM (its virtio-mmio "
                    + "has no ioeventfd under TCG): VMs that need them run on q35");
            return MachineType.Q35;
        }
        return requested;
    }

    private static void warnOnce(AtomicBoolean warned, String message) {
        if (warned.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, message);
        }
    }

    /**
     * vsock when the host has vhost-vsock, with a random context id: a clash among the 2^32 ids is unlikely,
     * and QEMU refuses to start on one rather than sharing it.
     */
    private AgentChannel agentChannel(HostFacts host, RunFiles files) {
        if (host.vhostVsock()) {
            return new AgentChannel.Vsock(random.nextLong(3, 0xFFFF_FFFFL));
        }
        return new AgentChannel.Serial(files.agentSocket());
    }

    private static void validate(VmSpec spec) throws HypervisorException {
        List<String> problems = new ArrayList<>();
        if (!Files.isExecutable(spec.vmmPath())) {
            problems.add("QEMU " + spec.vmmPath() + " is not an executable file");
        }
        if (!Files.isReadable(spec.kernel())) {
            problems.add("guest kernel " + spec.kernel() + " is not readable");
        }
        spec.initrd().filter(initrd -> !Files.isReadable(initrd))
                .ifPresent(initrd -> problems.add("initrd " + initrd + " is not readable"));
        spec.image().filter(image -> !Files.isRegularFile(image) || !Files.isReadable(image))
                .ifPresent(image -> problems.add("guest root image " + image + " is not a readable file; fix image"
                        + " in the configuration (or boot the initrd)"));
        if (spec.image().isPresent() && !spec.machineType().equals(MachineType.Q35.configName())) {
            problems.add("a guest root image needs machine_type q35 (it is mapped as a virtio-pmem PCI device), not "
                    + spec.machineType());
        }
        if (spec.vcpus() < 1) {
            problems.add("vcpus must be at least 1, not " + spec.vcpus());
        }
        if (spec.memoryMiB() < 64) {
            problems.add("memory must be at least 64 MiB, not " + spec.memoryMiB());
        }
        if (!problems.isEmpty()) {
            throw new HypervisorException("sandbox " + spec.sandboxId() + ": " + String.join("; ", problems));
        }
    }

    private static String machineNames() {
        return Arrays.stream(MachineType.values()).map(MachineType::configName).toList().toString();
    }
}
