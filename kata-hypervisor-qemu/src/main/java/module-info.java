/**
 * The QEMU hypervisor driver: builds QEMU's command line from a {@code VmSpec}, runs QEMU (and virtiofsd) as
 * children that die with us, and controls the VM over QMP. Nothing is exported; the runtime finds the driver
 * through {@link java.util.ServiceLoader}.
 */
module io.katacontainers.hypervisor.qemu {
    requires io.katacontainers.api;
    // kata-check decides KVM or TCG (HostChecker.choose), as `kata-runtime check` reports it.
    requires io.katacontainers.check;
    requires com.fasterxml.jackson.databind;
    // Tap descriptors reach QEMU over QMP with SCM_RIGHTS, which the JDK's sockets cannot send.
    requires io.katacontainers.ffm;

    provides io.katacontainers.api.hypervisor.HypervisorDriver
            with io.katacontainers.hypervisor.qemu.QemuDriver;
}
