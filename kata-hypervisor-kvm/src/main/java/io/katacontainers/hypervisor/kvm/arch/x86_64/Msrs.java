package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.ffm.kvm.MsrEntry;

import java.util.List;

/** The MSR values a vCPU starts with, as a BIOS would leave them (Firecracker's set). */
public final class Msrs {
    static final int IA32_SYSENTER_CS = 0x174;
    static final int IA32_SYSENTER_ESP = 0x175;
    static final int IA32_SYSENTER_EIP = 0x176;
    static final int IA32_TSC = 0x10;
    static final int IA32_MISC_ENABLE = 0x1a0;
    static final int IA32_MTRR_DEF_TYPE = 0x2ff;
    static final int STAR = 0xc000_0081;
    static final int LSTAR = 0xc000_0082;
    static final int CSTAR = 0xc000_0083;
    static final int SYSCALL_MASK = 0xc000_0084;
    static final int KERNEL_GS_BASE = 0xc000_0102;

    static final long MISC_ENABLE_FAST_STRING = 1;
    /** MTRRs enabled, default memory type write-back. */
    static final long MTRR_ENABLE_WRITE_BACK = (1 << 11) | 6;

    private Msrs() {
    }

    public static List<MsrEntry> boot() {
        return List.of(
                new MsrEntry(IA32_SYSENTER_CS, 0), new MsrEntry(IA32_SYSENTER_ESP, 0),
                new MsrEntry(IA32_SYSENTER_EIP, 0), new MsrEntry(STAR, 0), new MsrEntry(CSTAR, 0),
                new MsrEntry(KERNEL_GS_BASE, 0), new MsrEntry(SYSCALL_MASK, 0), new MsrEntry(LSTAR, 0),
                new MsrEntry(IA32_TSC, 0), new MsrEntry(IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING),
                new MsrEntry(IA32_MTRR_DEF_TYPE, MTRR_ENABLE_WRITE_BACK));
    }
}
