package io.katacontainers.hypervisor.qemu.cmdline;

import java.util.Arrays;
import java.util.Optional;

/**
 * The QEMU machines this driver builds, with the device models each one takes: microvm has no PCI, only
 * virtio-mmio ({@code -device}), and no ACPI; q35 is a PC with PCIe ({@code -pci}).
 */
public enum MachineType {
    MICROVM("microvm", "microvm,acpi=off", "-device", "t"),
    Q35("q35", "q35", "-pci", "k");

    private final String configName;
    private final String machineOption;
    private final String virtioSuffix;
    private final String rebootMethod;

    MachineType(String configName, String machineOption, String virtioSuffix, String rebootMethod) {
        this.configName = configName;
        this.machineOption = machineOption;
        this.virtioSuffix = virtioSuffix;
        this.rebootMethod = rebootMethod;
    }

    public static Optional<MachineType> fromConfig(String name) {
        return Arrays.stream(values()).filter(type -> type.configName.equals(name)).findFirst();
    }

    public String configName() {
        return configName;
    }

    /** The {@code -machine} value; microvm without ACPI boots faster and needs none. */
    public String machineOption() {
        return machineOption;
    }

    /** A virtio device model on this machine's transport, e.g. {@code virtio-serial} → {@code virtio-serial-device}. */
    public String virtioDevice(String model) {
        return model + virtioSuffix;
    }

    /**
     * The guest's {@code reboot=} method. Without ACPI a guest cannot power off, only halt; so the guest reboots
     * instead and {@code -no-reboot} turns that into QEMU exiting. microvm has no keyboard controller, so it
     * reboots by triple fault; q35 by the keyboard controller, as Kata does.
     */
    public String rebootMethod() {
        return rebootMethod;
    }
}
