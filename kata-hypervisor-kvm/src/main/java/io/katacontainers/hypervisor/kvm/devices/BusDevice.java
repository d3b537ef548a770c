package io.katacontainers.hypervisor.kvm.devices;

/**
 * A device on the MMIO or port-I/O bus. Offsets are relative to the device's base address; values are the
 * {@code size} (1, 2, 4 or 8) low bytes of a little-endian access, as KVM reports them. Implementations are called
 * from vCPU threads and must never throw for a guest's bad access: they ignore bad writes and read as zero (or all
 * ones, where the hardware does), so a hostile guest cannot stop the VMM.
 */
public interface BusDevice {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
