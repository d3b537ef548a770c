package io.katacontainers.hypervisor.kvm.devices.virtio;

/**
 * What a split virtqueue holds outside guest memory, for a snapshot: the driver's setup (size, ready, the guest
 * addresses of its three areas) and the device's two positions, the next available entry to take and the next used
 * entry to write (both free-running 16-bit counters, kept as 0..65535).
 */
public record QueueState(int size, boolean ready, long descriptorTable, long availableRing, long usedRing,
                         int nextAvailable, int nextUsed) {
    public QueueState {
        if (nextAvailable < 0 || nextAvailable > 0xffff || nextUsed < 0 || nextUsed > 0xffff) {
            throw new IllegalArgumentException("queue indices are 16-bit: next available " + nextAvailable
                    + ", next used " + nextUsed);
        }
    }
}
