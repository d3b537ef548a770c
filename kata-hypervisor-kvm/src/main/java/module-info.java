/**
 * The built-in VMM: drives KVM through kata-native from inside the runtime's own process, with virtio-mmio devices
 * and no external hypervisor. Nothing is exported; the runtime finds the driver through
 * {@link java.util.ServiceLoader}.
 */
module io.katacontainers.hypervisor.kvm {
    requires io.katacontainers.api;
    requires io.katacontainers.ffm;

    provides io.katacontainers.api.hypervisor.HypervisorDriver
            with io.katacontainers.hypervisor.kvm.BuiltinDriver;
}
