package io.katacontainers.ffm.kvm;

import java.util.List;

/** {@code kvm_run.exit_reason} values ({@code KVM_EXIT_*} in {@code <linux/kvm.h>}; verified by a test). */
public enum KvmExitReason {
    UNKNOWN(0),
    EXCEPTION(1),
    IO(2),
    HYPERCALL(3),
    DEBUG(4),
    HLT(5),
    MMIO(6),
    IRQ_WINDOW_OPEN(7),
    SHUTDOWN(8),
    FAIL_ENTRY(9),
    INTR(10),
    SET_TPR(11),
    TPR_ACCESS(12),
    S390_SIEIC(13),
    S390_RESET(14),
    DCR(15),
    NMI(16),
    INTERNAL_ERROR(17),
    OSI(18),
    PAPR_HCALL(19),
    S390_UCONTROL(20),
    WATCHDOG(21),
    S390_TSCH(22),
    EPR(23),
    SYSTEM_EVENT(24),
    S390_STSI(25),
    IOAPIC_EOI(26),
    HYPERV(27),
    ARM_NISV(28),
    X86_RDMSR(29),
    X86_WRMSR(30),
    DIRTY_RING_FULL(31),
    AP_RESET_HOLD(32),
    X86_BUS_LOCK(33),
    XEN(34),
    RISCV_SBI(35),
    RISCV_CSR(36),
    NOTIFY(37);

    private static final List<KvmExitReason> BY_CODE = List.of(values());

    private final int code;

    KvmExitReason(int code) {
        this.code = code;
    }

    /** The raw {@code exit_reason} value. */
    public int code() {
        return code;
    }

    /** The C constant name, e.g. {@code KVM_EXIT_HLT}. */
    public String constantName() {
        return "KVM_EXIT_" + name();
    }

    /**
     * The reason for a raw code. A code unknown to these bindings means a newer kernel enabled an exit we never asked
     * for, so it is reported rather than guessed at.
     */
    public static KvmExitReason of(int code) {
        // Codes are dense from 0, so the ordinal is the code; the test against the header keeps it that way.
        if (code < 0 || code >= BY_CODE.size()) {
            throw new IllegalArgumentException("unknown KVM exit reason " + code);
        }
        return BY_CODE.get(code);
    }
}
