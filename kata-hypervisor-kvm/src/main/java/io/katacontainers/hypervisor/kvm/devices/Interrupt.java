package io.katacontainers.hypervisor.kvm.devices;

/** An edge-triggered interrupt a device raises towards the guest (an irqfd, or a test's counter). */
@FunctionalInterface
public interface Interrupt {
    void trigger();
}
