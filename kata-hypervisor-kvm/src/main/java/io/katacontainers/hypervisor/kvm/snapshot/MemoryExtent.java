package io.katacontainers.hypervisor.kvm.snapshot;

/**
 * A stretch of guest memory that holds data, by offset in the guest's memfd (and in the snapshot's memory file, which
 * has the same layout, with holes where the guest never wrote).
 */
public record MemoryExtent(long offset, long length) {
    public MemoryExtent {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("a memory extent needs offset >= 0 and length > 0: " + offset + "+"
                    + length);
        }
    }

    public long end() {
        return offset + length;
    }
}
