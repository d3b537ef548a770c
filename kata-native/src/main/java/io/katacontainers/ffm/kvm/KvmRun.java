package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.ANONYMOUS;
import static io.katacontainers.ffm.kvm.KvmLayouts.KVM_RUN;
import static io.katacontainers.ffm.kvm.KvmLayouts.handle;
import static io.katacontainers.ffm.kvm.KvmLayouts.offset;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A view of a vCPU's mmapped {@code struct kvm_run}. It does not own the mapping: {@link KvmVcpu} does, and the
 * segment becomes inaccessible once the vCPU is closed. Read exit details only after {@link KvmVcpu#run()} returned
 * and before the next run.
 */
public final class KvmRun {
    private static final long BASE = 0L;
    private static final VarHandle REQUEST_INTERRUPT_WINDOW = handle(KVM_RUN, "request_interrupt_window");
    private static final VarHandle IMMEDIATE_EXIT = handle(KVM_RUN, "immediate_exit");
    private static final VarHandle EXIT_REASON = handle(KVM_RUN, "exit_reason");
    private static final VarHandle READY_FOR_INTERRUPT_INJECTION = handle(KVM_RUN, "ready_for_interrupt_injection");
    private static final VarHandle IF_FLAG = handle(KVM_RUN, "if_flag");
    private static final VarHandle CR8 = handle(KVM_RUN, "cr8");
    private static final VarHandle APIC_BASE = handle(KVM_RUN, "apic_base");
    private static final VarHandle HW_EXIT_REASON = handle(KVM_RUN, ANONYMOUS, "hw", "hardware_exit_reason");
    private static final VarHandle FAIL_ENTRY_REASON =
            handle(KVM_RUN, ANONYMOUS, "fail_entry", "hardware_entry_failure_reason");
    private static final VarHandle IO_DIRECTION = handle(KVM_RUN, ANONYMOUS, "io", "direction");
    private static final VarHandle IO_SIZE = handle(KVM_RUN, ANONYMOUS, "io", "size");
    private static final VarHandle IO_PORT = handle(KVM_RUN, ANONYMOUS, "io", "port");
    private static final VarHandle IO_COUNT = handle(KVM_RUN, ANONYMOUS, "io", "count");
    private static final VarHandle IO_DATA_OFFSET = handle(KVM_RUN, ANONYMOUS, "io", "data_offset");
    private static final VarHandle MMIO_PHYS_ADDR = handle(KVM_RUN, ANONYMOUS, "mmio", "phys_addr");
    private static final long MMIO_DATA = offset(KVM_RUN, ANONYMOUS, "mmio", "data");
    private static final VarHandle MMIO_LEN = handle(KVM_RUN, ANONYMOUS, "mmio", "len");
    private static final VarHandle MMIO_IS_WRITE = handle(KVM_RUN, ANONYMOUS, "mmio", "is_write");
    private static final VarHandle INTERNAL_SUBERROR = handle(KVM_RUN, ANONYMOUS, "internal", "suberror");
    private static final VarHandle SYSTEM_EVENT_TYPE = handle(KVM_RUN, ANONYMOUS, "system_event", "type");

    // mmio.data is u8[8] in C, so read it as one unaligned native-order (little-endian, like the guest) long.
    private static final ValueLayout.OfLong MMIO_DATA_LAYOUT = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment run;

    KvmRun(MemorySegment run) {
        if (run.byteSize() < KVM_RUN.byteSize()) {
            throw new IllegalArgumentException("kvm_run mapping too small: " + run.byteSize());
        }
        this.run = run;
    }

    /** The whole mapping (kvm_run plus whatever the kernel placed after it, e.g. the PIO data page). */
    public MemorySegment segment() {
        return run;
    }

    public int exitReasonCode() {
        return (int) EXIT_REASON.get(run, BASE);
    }

    public KvmExitReason exitReason() {
        return KvmExitReason.of(exitReasonCode());
    }

    /** Ask KVM to exit with IRQ_WINDOW_OPEN as soon as the guest can take an interrupt. */
    public void setRequestInterruptWindow(boolean request) {
        REQUEST_INTERRUPT_WINDOW.set(run, BASE, (byte) (request ? 1 : 0));
    }

    /**
     * Makes the next (or a racing) KVM_RUN return at once with EINTR; another thread sets this, then signals the vCPU
     * thread, to stop the vCPU without losing a wakeup. Volatile, because the writer is another thread.
     */
    public void setImmediateExit(boolean exit) {
        IMMEDIATE_EXIT.setVolatile(run, BASE, (byte) (exit ? 1 : 0));
    }

    public boolean readyForInterruptInjection() {
        return (byte) READY_FOR_INTERRUPT_INJECTION.get(run, BASE) != 0;
    }

    public boolean ifFlag() {
        return (byte) IF_FLAG.get(run, BASE) != 0;
    }

    public long cr8() {
        return (long) CR8.get(run, BASE);
    }

    public long apicBase() {
        return (long) APIC_BASE.get(run, BASE);
    }

    /** For {@link KvmExitReason#UNKNOWN}: the hardware (VMX/SVM) exit code. */
    public long hardwareExitReason() {
        return (long) HW_EXIT_REASON.get(run, BASE);
    }

    /** For {@link KvmExitReason#FAIL_ENTRY}: the hardware entry failure reason. */
    public long hardwareEntryFailureReason() {
        return (long) FAIL_ENTRY_REASON.get(run, BASE);
    }

    /** For {@link KvmExitReason#INTERNAL_ERROR}: KVM_INTERNAL_ERROR_* (1 = emulation failure). */
    public int internalErrorSuberror() {
        return (int) INTERNAL_SUBERROR.get(run, BASE);
    }

    /** For {@link KvmExitReason#SYSTEM_EVENT}: KVM_SYSTEM_EVENT_* (1 shutdown, 2 reset, 3 crash). */
    public int systemEventType() {
        return (int) SYSTEM_EVENT_TYPE.get(run, BASE);
    }

    /** For {@link KvmExitReason#IO}. */
    public IoExit io() {
        return new IoExit(Byte.toUnsignedInt((byte) IO_DIRECTION.get(run, BASE)),
                Byte.toUnsignedInt((byte) IO_SIZE.get(run, BASE)),
                Short.toUnsignedInt((short) IO_PORT.get(run, BASE)),
                (int) IO_COUNT.get(run, BASE), (long) IO_DATA_OFFSET.get(run, BASE));
    }

    /**
     * For {@link KvmExitReason#IO}: the {@code size * count} data bytes inside the mapping. Read them for OUT;
     * fill them for IN before the next run.
     */
    public MemorySegment ioData() {
        IoExit io = io();
        return run.asSlice(io.dataOffset(), (long) io.size() * Integer.toUnsignedLong(io.count()));
    }

    /** For {@link KvmExitReason#MMIO}. */
    public MmioExit mmio() {
        return new MmioExit((long) MMIO_PHYS_ADDR.get(run, BASE), run.get(MMIO_DATA_LAYOUT, MMIO_DATA),
                (int) MMIO_LEN.get(run, BASE), (byte) MMIO_IS_WRITE.get(run, BASE) != 0);
    }

    /** Answers an MMIO read: the low {@code len} bytes of {@code value} become what the guest loads. */
    public void setMmioData(long value) {
        run.set(MMIO_DATA_LAYOUT, MMIO_DATA, value);
    }
}
