package io.katacontainers.hypervisor.kvm.snapshot;

import java.util.List;

/**
 * A VM at one instant, as saved in a snapshot directory's {@code state} file (its memory is the {@code memory}
 * file): who made it, the machine's size, the KVM VM's and every vCPU's state, every virtio device, and which parts
 * of the memory file hold data.
 */
public record Snapshot(SnapshotIdentity identity, int vcpuCount, long memoryBytes, MachineState machine,
                       List<VcpuState> vcpus, List<DeviceState> devices, List<MemoryExtent> memory) {
    public Snapshot {
        vcpus = List.copyOf(vcpus);
        devices = List.copyOf(devices);
        memory = List.copyOf(memory);
    }

    /** Bytes of guest memory the snapshot holds (the rest is zero). */
    public long memoryDataBytes() {
        return memory.stream().mapToLong(MemoryExtent::length).sum();
    }
}
