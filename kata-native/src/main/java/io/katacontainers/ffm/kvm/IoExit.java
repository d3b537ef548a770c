package io.katacontainers.ffm.kvm;

/**
 * A port I/O exit ({@code kvm_run.io}). The data ({@code size * count} bytes) lives inside kvm_run at
 * {@code dataOffset}; see {@link KvmRun#ioData()}.
 *
 * @param direction {@link #KVM_EXIT_IO_IN} or {@link #KVM_EXIT_IO_OUT}
 */
public record IoExit(int direction, int size, int port, int count, long dataOffset) {
    public static final int KVM_EXIT_IO_IN = 0;
    public static final int KVM_EXIT_IO_OUT = 1;

    public boolean isOut() {
        return direction == KVM_EXIT_IO_OUT;
    }
}
