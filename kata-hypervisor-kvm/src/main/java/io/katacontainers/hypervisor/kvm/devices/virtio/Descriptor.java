package io.katacontainers.hypervisor.kvm.devices.virtio;

/**
 * One buffer of a descriptor chain, already checked to lie inside guest RAM.
 *
 * @param address guest-physical start
 * @param length  length in bytes (a u32 in the ring)
 * @param writable whether the device writes it (VIRTQ_DESC_F_WRITE) rather than reads it
 */
public record Descriptor(long address, long length, boolean writable) {
}
