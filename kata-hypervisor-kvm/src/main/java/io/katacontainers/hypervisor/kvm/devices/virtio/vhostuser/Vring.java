package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

import io.katacontainers.ffm.libc.Fd;

/**
 * A split virtqueue as the guest driver set it up, with the eventfds that carry its notifications, ready to be
 * handed to a back end. The descriptors stay owned by the caller; the back end gets duplicates.
 *
 * @param index the virtqueue's number on the device
 * @param size entries, a power of two
 * @param descriptorTable guest-physical address of the descriptor table (16 bytes per entry)
 * @param availableRing guest-physical address of the available ring (6 + 2 bytes per entry)
 * @param usedRing guest-physical address of the used ring (6 + 8 bytes per entry)
 * @param kick the back end reads this when the guest notifies the queue
 * @param call the back end writes this when it has put buffers in the used ring
 * @param error the back end writes this when the queue fails
 */
public record Vring(int index, int size, long descriptorTable, long availableRing, long usedRing,
                    Fd kick, Fd call, Fd error) {
    /** Largest split virtqueue the virtio spec allows. */
    public static final int MAX_SIZE = 32768;

    public Vring {
        if (index < 0 || index > 0xff) {
            throw new IllegalArgumentException("vhost-user addresses queues 0 to 255, not " + index);
        }
        if (size <= 0 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("queue " + index + " has size " + size
                    + "; a split virtqueue has a power-of-two size up to " + MAX_SIZE);
        }
    }

    public long descriptorTableBytes() {
        return 16L * size;
    }

    /** flags, idx, ring[size], used_event. */
    public long availableRingBytes() {
        return 6L + 2L * size;
    }

    /** flags, idx, ring[size] of (id, len), avail_event. */
    public long usedRingBytes() {
        return 6L + 8L * size;
    }
}
