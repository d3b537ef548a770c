package io.katacontainers.hypervisor.kvm;

import io.katacontainers.api.hypervisor.HostSupport;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.ffm.libc.SyscallException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code builtin} hypervisor driver: the VMM of this module, running inside the caller's process. */
public final class BuiltinDriver implements HypervisorDriver {
    static final String MODULE = "io.katacontainers.hypervisor.kvm";
    static final String NAME = "builtin";
    private static final long MIN_MEMORY_MIB = 64;

    private final Path hostRoot;
    private final Path kvmDevice;
    private final Optional<Path> setpriv;

    /** For {@link java.util.ServiceLoader}: the real host. */
    public BuiltinDriver() {
        this(Path.of("/"), KvmSystem.DEFAULT_DEVICE, ProcessLauncher.findOnPath("setpriv"));
    }

    /**
     * @param hostRoot where /sys and /proc are read from (PVM detection)
     * @param kvmDevice the KVM device to open
     * @param setpriv util-linux setpriv, which ties virtiofsd's life to ours
     */
    BuiltinDriver(Path hostRoot, Path kvmDevice, Optional<Path> setpriv) {
        this.hostRoot = hostRoot;
        this.kvmDevice = kvmDevice;
        this.setpriv = setpriv;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public HostSupport hostSupport(VmSpec spec) {
        List<String> notes = new ArrayList<>();
        String version = BuiltinDriver.class.getModule().getDescriptor() == null ? ""
                : BuiltinDriver.class.getModule().getDescriptor().rawVersion().orElse("");
        String acceleration = "kvm";
        if (!Files.exists(kvmDevice)) {
            acceleration = "none";
            notes.add(kvmDevice + " does not exist: the built-in VMM needs KVM (load kvm_intel or kvm_amd, or use"
                    + " hypervisor qemu, which falls back to TCG)");
        } else {
            try (KvmSystem kvm = KvmSystem.open(kvmDevice)) {
                if (kvm.apiVersion() != KvmSystem.STABLE_API_VERSION) {
                    acceleration = "none";
                    notes.add(kvmDevice + " speaks KVM API " + kvm.apiVersion() + ", not "
                            + KvmSystem.STABLE_API_VERSION);
                }
            } catch (SyscallException e) {
                acceleration = "none";
                notes.add("cannot open " + kvmDevice + ": " + e.getMessage() + " (run as root or join group kvm)");
            }
        }
        if (Files.exists(hostRoot.resolve("sys/module/kvm_pvm"))) {
            acceleration = "none";
            notes.add("/dev/kvm is served by PVM (kvm_pvm), which cannot boot a stock Linux guest kernel; use"
                    + " hypervisor qemu here, or a host with VT-x/SVM");
        }
        return new HostSupport(MODULE, version, acceleration, notes);
    }

    /**
     * The built-in VMM makes templates of initrd guests: a clone cannot share the template's root disk, and the
     * disks and network interfaces of a pod are not in the template (the runtime boots such pods cold).
     */
    @Override
    public Optional<String> templateUnsupported(VmSpec spec) {
        if (spec.initrd().isEmpty()) {
            return Optional.of("VM templates need an initrd guest (a clone cannot share the template's root disk)");
        }
        return Optional.empty();
    }

    @Override
    public Hypervisor createTemplate(VmSpec spec, Path dir) throws HypervisorException {
        requireTemplates(spec);
        validate(spec);
        return new BuiltinHypervisor(spec, new BuiltinHypervisor.Role.Template(dir.toAbsolutePath()), kvmDevice,
                setpriv);
    }

    /** The clone is checked against the template's manifest and snapshot identity at start. */
    @Override
    public Hypervisor createFromTemplate(VmSpec spec, Path dir) throws HypervisorException {
        requireTemplates(spec);
        validate(spec);
        if (!Files.isRegularFile(dir.resolve(BuiltinTemplate.MANIFEST))) {
            throw new HypervisorException("there is no built-in VMM template in " + dir + " (no "
                    + BuiltinTemplate.MANIFEST + "); make one: kata-runtime factory init");
        }
        return new BuiltinHypervisor(spec, new BuiltinHypervisor.Role.Clone(dir.toAbsolutePath()), kvmDevice,
                setpriv);
    }

    private void requireTemplates(VmSpec spec) throws HypervisorException {
        Optional<String> why = templateUnsupported(spec);
        if (why.isPresent()) {
            throw new HypervisorException(why.get());
        }
    }

    @Override
    public Hypervisor create(VmSpec spec) throws HypervisorException {
        validate(spec);
        return new BuiltinHypervisor(spec, kvmDevice, setpriv);
    }

    private static void validate(VmSpec spec) throws HypervisorException {
        if (!Files.isRegularFile(spec.kernel())) {
            throw new HypervisorException("guest kernel " + spec.kernel() + " does not exist; set kernel in"
                    + " [hypervisor.builtin] to a vmlinux or bzImage");
        }
        if (spec.initrd().isPresent() && !Files.isRegularFile(spec.initrd().get())) {
            throw new HypervisorException("guest initrd " + spec.initrd().get() + " does not exist; fix initrd in"
                    + " [hypervisor.builtin]");
        }
        if (spec.image().isPresent() && !Files.isRegularFile(spec.image().get())) {
            throw new HypervisorException("guest root image " + spec.image().get() + " does not exist; fix image in"
                    + " [hypervisor.builtin] (or boot the initrd)");
        }
        if (spec.vcpus() < 1 || spec.memoryMiB() < MIN_MEMORY_MIB) {
            throw new HypervisorException("the built-in VMM needs at least 1 vCPU and " + MIN_MEMORY_MIB
                    + " MiB, got " + spec.vcpus() + " vCPUs and " + spec.memoryMiB() + " MiB");
        }
    }
}
