package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

/**
 * One entry of SET_MEM_TABLE: a stretch of guest RAM the back end maps from the descriptor sent with it.
 *
 * @param guestAddress guest-physical start
 * @param size length in bytes
 * @param userAddress where the front end (this process) has it mapped; vring addresses are given in this space
 * @param mmapOffset where the region starts in the descriptor's file
 */
public record MemoryRegion(long guestAddress, long size, long userAddress, long mmapOffset) {
    /** Bytes per entry on the wire: four u64. */
    public static final int WIRE_SIZE = 32;

    public MemoryRegion {
        if (size <= 0 || mmapOffset < 0) {
            throw new IllegalArgumentException("bad memory region: size " + size + ", mmap offset " + mmapOffset);
        }
    }
}
