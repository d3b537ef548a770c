package io.katacontainers.hypervisor.kvm.snapshot;

import io.katacontainers.hypervisor.kvm.devices.legacy.SerialState;

/**
 * The VM-wide state: the in-kernel PIT, the KVM clock and the three interrupt controllers, each as the bytes of its
 * struct (kvm_pit_state2, kvm_clock_data, kvm_irqchip with chip_id 0, 1 and 2), and the console UART's registers.
 */
public record MachineState(byte[] pit, byte[] clock, byte[] picMaster, byte[] picSlave, byte[] ioapic,
                           SerialState serial) {
}
