package io.katacontainers.hypervisor.qemu.host;

import java.util.List;
import java.util.Optional;

/**
 * How QEMU will run guests: KVM when the host really has hardware virtualization, else TCG (emulation).
 *
 * @param kind the accelerator
 * @param fallbackReason why KVM was not chosen, empty when it was
 */
public record Acceleration(Kind kind, Optional<String> fallbackReason) {

    public enum Kind {
        KVM("kvm", "host"),
        TCG("tcg", "max");

        private final String accel;
        private final String cpu;

        Kind(String accel, String cpu) {
            this.accel = accel;
            this.cpu = cpu;
        }

        /** The name QEMU and {@code HostSupport} use. */
        public String accel() {
            return accel;
        }
    }

    public static Acceleration choose(HostFacts host) {
        if (!host.kvmDevice()) {
            return tcg("/dev/kvm does not exist");
        }
        // PVM's /dev/kvm accepts QEMU but fails on stock kernels (MSR and emulation errors), so check it first.
        if (host.pvm()) {
            return tcg("/dev/kvm is PVM (module kvm_pvm), a software hypervisor that cannot run a stock guest kernel");
        }
        if (!host.hardwareVirtualization()) {
            return tcg("/proc/cpuinfo lists neither vmx nor svm: no hardware virtualization behind /dev/kvm");
        }
        return new Acceleration(Kind.KVM, Optional.empty());
    }

    private static Acceleration tcg(String reason) {
        return new Acceleration(Kind.TCG, Optional.of(reason + "; guests run under TCG emulation, many times slower"));
    }

    /** {@code -accel} and {@code -cpu}: the host CPU model under KVM, every emulated feature under TCG. */
    public List<String> qemuArguments() {
        return List.of("-accel", kind.accel, "-cpu", kind.cpu);
    }
}
