package io.katacontainers.ffm.kvm;

/**
 * An MMIO exit ({@code kvm_run.mmio}). For a write, {@code data} holds the {@code len} bytes the guest stored
 * (little-endian in the low bytes); for a read, answer with {@link KvmRun#setMmioData(long)} before the next run.
 */
public record MmioExit(long physAddr, long data, int len, boolean isWrite) {
}
