package io.katacontainers.check;

import java.util.List;

/**
 * The outcome of {@code kata-runtime check}; serialized as-is for {@code --json}.
 *
 * @param hostRoot   the directory /proc, /sys and /dev were read from
 * @param strict     warnings were turned into failures
 * @param kvmProbed  /dev/kvm was opened and probed with ioctls (root on the live system only)
 * @param capable    no HOST check failed: "System is capable of running Kata Containers"
 * @param canCreate  capable, probed, and no KVM check failed: "System can currently create Kata Containers"
 * @param hypervisor the configuration that works here
 * @param checks     every check in the order run
 */
public record CheckReport(Arch architecture, Platform platform, String hostRoot, boolean strict, boolean kvmProbed,
                          boolean capable, boolean canCreate, HypervisorChoice hypervisor, List<CheckResult> checks) {
    public static final String CAPABLE = "System is capable of running Kata Containers";
    public static final String CAN_CREATE = "System can currently create Kata Containers";
    public static final String NOT_CAPABLE = "System is not capable of running Kata Containers";
    public static final String CANNOT_CREATE = "System cannot currently create Kata Containers";

    public CheckReport {
        checks = List.copyOf(checks);
    }

    /**
     * 0 when capable and, if /dev/kvm was probed, a VM can be created (Kata fails the command when its root-only
     * KVM test fails); 1 otherwise.
     */
    public int exitCode() {
        return capable && (!kvmProbed || canCreate) ? 0 : 1;
    }
}
