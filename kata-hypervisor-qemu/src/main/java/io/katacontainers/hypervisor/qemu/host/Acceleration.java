package io.katacontainers.hypervisor.qemu.host;

import io.katacontainers.check.HostChecker;
import io.katacontainers.check.HypervisorChoice;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How QEMU will run guests: KVM when the host really has hardware virtualization, else TCG (emulation). The verdict
 * is kata-check's ({@link HostChecker#choose}), so that the check and the driver never disagree.
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

    /** KVM where {@code kata-runtime check}'s verdict on {@code hostRoot} is that KVM works, else TCG and why. */
    public static Acceleration choose(Path hostRoot) {
        return of(HostChecker.choose(hostRoot));
    }

    static Acceleration of(HypervisorChoice choice) {
        return choice.accelerator().equals(Kind.KVM.accel)
                ? new Acceleration(Kind.KVM, Optional.empty())
                : new Acceleration(Kind.TCG, Optional.of(choice.reason()));
    }

    /** {@code -accel} and {@code -cpu}: the host CPU model under KVM, every emulated feature under TCG. */
    public List<String> qemuArguments() {
        return List.of("-accel", kind.accel, "-cpu", kind.cpu);
    }
}
