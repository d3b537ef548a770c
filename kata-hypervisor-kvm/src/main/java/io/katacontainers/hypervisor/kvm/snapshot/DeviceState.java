package io.katacontainers.hypervisor.kvm.snapshot;

import io.katacontainers.hypervisor.kvm.devices.virtio.TransportState;

/**
 * One virtio-mmio device: its name and type (the restore checks that the new VM has the same device there), where it
 * sits (window and IRQ), and its transport and queues.
 */
public record DeviceState(String name, int deviceType, long mmioAddress, int irq, TransportState transport) {
}
