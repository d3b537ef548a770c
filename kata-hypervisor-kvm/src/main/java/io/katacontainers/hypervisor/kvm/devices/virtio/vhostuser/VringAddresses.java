package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

/**
 * SET_VRING_ADDR's payload ({@code struct vhost_vring_addr}) for a split virtqueue: the three ring parts as
 * addresses in the front end's address space, which the back end translates through the memory table.
 *
 * @param index the virtqueue
 * @param descriptorTable user address of the descriptor table
 * @param usedRing user address of the used ring
 * @param availableRing user address of the available ring
 */
public record VringAddresses(int index, long descriptorTable, long usedRing, long availableRing) {
    /** Bytes on the wire: index and flags (u32 each), then desc, used, avail and log addresses (u64 each). */
    public static final int WIRE_SIZE = 40;
}
