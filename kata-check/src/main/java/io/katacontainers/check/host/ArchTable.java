package io.katacontainers.check.host;

import io.katacontainers.check.Arch;
import io.katacontainers.check.Platform;
import io.katacontainers.ffm.kvm.KvmCap;
import io.katacontainers.ffm.kvm.KvmSystem;

import java.util.ArrayList;
import java.util.List;

/**
 * The checks of each platform, as Kata's kata-check_&lt;arch&gt;.go declares them, plus what Kata lacks:
 * PVM detection on x86, the SIE flag on s390x, and the KVM extensions our built-in VMM (x86_64 only) needs.
 */
public final class ArchTable {
    private static final String KVM = "Kernel-based Virtual Machine";
    private static final String VHOST = "Host kernel accelerator for virtio";
    private static final String VHOST_NET = "Host kernel accelerator for virtio network";
    private static final String VHOST_VSOCK = "Host support for Linux VM sockets";
    private static final String NESTED = "; inside a virtual machine, enable nested virtualization on the outer host";

    private ArchTable() {
    }

    public static List<Check> checksFor(Platform platform) {
        List<Check> platformChecks = switch (platform) {
            case INTEL -> x86("GenuineIntel", "Intel Architecture CPU", "vmx",
                    "Enable Intel VT-x in the firmware (BIOS/UEFI) setup" + NESTED + " (kvm_intel nested=1)",
                    "kvm_intel", "Intel KVM");
            case AMD -> x86("AuthenticAMD", "AMD Architecture CPU", "svm",
                    "Enable AMD-V (SVM) in the firmware (BIOS/UEFI) setup" + NESTED + " (kvm_amd nested=1)", "kvm_amd",
                    "AMD KVM");
            case ARM64 -> List.of(
                    module("kvm", KVM, Role.ACCELERATION),
                    module("vhost", VHOST, Role.GENERAL),
                    module("vhost_net", VHOST_NET, Role.GENERAL),
                    vhostVsock(),
                    new KvmDeviceCheck("modprobe kvm"),
                    // Reported, not required: each host has its own limit; 0 means the fixed 40-bit default.
                    new KvmExtensionCheck("KVM_CAP_ARM_VM_IPA_SIZE", KvmCap.KVM_CAP_ARM_VM_IPA_SIZE,
                            "maximum guest physical address bits (0: fixed at 40)", false, Role.GENERAL));
            case POWER -> List.of(
                    new SmtOffCheck(8),
                    module("kvm", KVM, Role.ACCELERATION),
                    module("kvm_hv", "Kernel-based Virtual Machine hardware virtualization", Role.ACCELERATION),
                    vhostVsock(),
                    new KvmDeviceCheck("modprobe kvm_hv"));
            case S390X -> List.of(
                    new CpuFlagCheck("features", "sie", "Virtualization support (Start Interpretive Execution)",
                            Role.ACCELERATION, "SIE is there on an LPAR; as a z/VM or KVM guest, the hypervisor "
                            + "must offer SIE to this guest (nested virtualization)"),
                    module("kvm", KVM, Role.ACCELERATION),
                    vhostVsock(),
                    new KvmDeviceCheck("modprobe kvm"));
            case RISCV64 -> List.of(
                    module("kvm", KVM, Role.ACCELERATION),
                    module("vhost", VHOST, Role.GENERAL),
                    module("vhost_net", VHOST_NET, Role.GENERAL),
                    vhostVsock(),
                    new KvmDeviceCheck("modprobe kvm"));
        };
        List<Check> checks = new ArrayList<>(platformChecks);
        // Every architecture: the device must answer the stable API and let a VM be created (root only).
        checks.add(new KvmApiVersionCheck(KvmSystem.STABLE_API_VERSION));
        checks.add(new KvmCreateVmCheck());
        if (platform.arch() == Arch.X86_64) {
            checks.addAll(builtinVmmExtensions());
        }
        return List.copyOf(checks);
    }

    private static List<Check> x86(String vendor, String vendorDescription, String virtFlag, String virtRemedy,
                                   String vendorModule, String vendorModuleDescription) {
        List<Check> checks = new ArrayList<>(List.of(
                new CpuAttributeCheck(vendor, vendorDescription),
                new CpuFlagCheck("flags", virtFlag, "Virtualization support", Role.ACCELERATION, virtRemedy),
                new CpuFlagCheck("flags", "lm", "64Bit CPU", Role.GENERAL, "Kata Containers needs a 64-bit CPU"),
                new CpuFlagCheck("flags", "sse4_1", "SSE4.1", Role.GENERAL,
                        "The guest kernel needs SSE4.1: use a newer CPU, or expose sse4_1 to this virtual machine"),
                module("kvm", KVM, Role.ACCELERATION),
                module(vendorModule, vendorModuleDescription, Role.ACCELERATION)));
        if (vendorModule.equals("kvm_intel")) {
            // VMX unrestricted guest mode: Kata's heuristic for "at least Westmere".
            checks.add(new ModuleParameterCheck("kvm_intel", "unrestricted_guest", "Y", "VMX unrestricted guest mode",
                    true, "The CPU is older than Westmere, or kvm_intel was loaded with unrestricted_guest=0: "
                    + "reload it with modprobe -r kvm_intel && modprobe kvm_intel unrestricted_guest=1"));
        }
        checks.addAll(List.of(
                module("vhost", VHOST, Role.GENERAL),
                module("vhost_net", VHOST_NET, Role.GENERAL),
                vhostVsock(),
                new KvmDeviceCheck("modprobe " + vendorModule),
                new SoftwareHypervisorCheck()));
        return checks;
    }

    /** What the built-in VMM calls while building a VM; QEMU does without any of them. */
    private static List<Check> builtinVmmExtensions() {
        return List.of(
                builtinNeeds("KVM_CAP_IRQCHIP", KvmCap.KVM_CAP_IRQCHIP, "in-kernel interrupt controllers"),
                builtinNeeds("KVM_CAP_USER_MEMORY", KvmCap.KVM_CAP_USER_MEMORY, "user memory regions"),
                builtinNeeds("KVM_CAP_SET_TSS_ADDR", KvmCap.KVM_CAP_SET_TSS_ADDR, "TSS address for real mode"),
                builtinNeeds("KVM_CAP_IRQFD", KvmCap.KVM_CAP_IRQFD, "interrupts from eventfds"),
                builtinNeeds("KVM_CAP_IOEVENTFD", KvmCap.KVM_CAP_IOEVENTFD, "eventfds for guest I/O writes"),
                builtinNeeds("KVM_CAP_PIT2", KvmCap.KVM_CAP_PIT2, "in-kernel PIT"),
                builtinNeeds("KVM_CAP_EXT_CPUID", KvmCap.KVM_CAP_EXT_CPUID, "extended CPUID setup"));
    }

    private static Check builtinNeeds(String name, int capability, String description) {
        return new KvmExtensionCheck(name, capability, description, true, Role.BUILTIN_VMM);
    }

    private static Check module(String name, String description, Role role) {
        return new KernelModuleCheck(name, description, true, role);
    }

    /** Optional everywhere: without it QEMU cannot offer vsock, and the agent channel falls back. */
    private static Check vhostVsock() {
        return new KernelModuleCheck("vhost_vsock", VHOST_VSOCK, false, Role.GENERAL);
    }
}
