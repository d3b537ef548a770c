package io.katacontainers.check;

/**
 * The hypervisor configuration that will work on this host. Kata's Go check never says this; ours does,
 * because on hosts without usable hardware virtualization only one configuration still runs.
 *
 * @param hypervisor    "builtin" (our KVM VMM, x86_64 only) or "qemu"
 * @param accelerator   "kvm" or "tcg" (QEMU's software emulation: slow, but needs no /dev/kvm)
 * @param configuration the configuration file to select, e.g. with containerd's ConfigPath
 * @param reason        why this one
 */
public record HypervisorChoice(String hypervisor, String accelerator, String configuration, String reason) {
    static final String BUILTIN_CONFIGURATION = "configuration-builtin.toml";
    static final String QEMU_CONFIGURATION = "configuration-qemu.toml";

    static HypervisorChoice builtin(String reason) {
        return new HypervisorChoice("builtin", "kvm", BUILTIN_CONFIGURATION, reason);
    }

    static HypervisorChoice qemuKvm(String reason) {
        return new HypervisorChoice("qemu", "kvm", QEMU_CONFIGURATION, reason);
    }

    static HypervisorChoice qemuTcg(String reason) {
        return new HypervisorChoice("qemu", "tcg", QEMU_CONFIGURATION, reason);
    }

    /** One line for the text report. */
    public String describe() {
        String what = switch (hypervisor + "/" + accelerator) {
            case "builtin/kvm" -> "the built-in VMM with KVM";
            case "qemu/kvm" -> "QEMU with KVM";
            default -> "QEMU with TCG (software emulation)";
        };
        return "Hypervisor to use: " + what + ", " + configuration + ": " + reason;
    }
}
