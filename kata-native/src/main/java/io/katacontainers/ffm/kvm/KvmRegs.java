package io.katacontainers.ffm.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/** General-purpose registers ({@code struct kvm_regs}). */
public record KvmRegs(
        long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rsp, long rbp,
        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15,
        long rip, long rflags) {

    /** bit 1 of RFLAGS is reserved and must be set; everything else clear. */
    public static final long RFLAGS_RESERVED = 0x2;

    private static final String[] NAMES = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags"};
    private static final VarHandle[] FIELDS = handles();

    /** All registers zero except the reserved RFLAGS bit: a clean slate before setting entry state. */
    public static KvmRegs initial() {
        return new KvmRegs(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, RFLAGS_RESERVED);
    }

    public static KvmRegs read(MemorySegment segment, long offset) {
        long[] v = new long[FIELDS.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (long) FIELDS[i].get(segment, offset);
        }
        return new KvmRegs(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13],
                v[14], v[15], v[16], v[17]);
    }

    public void write(MemorySegment segment, long offset) {
        long[] v = {rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags};
        for (int i = 0; i < v.length; i++) {
            FIELDS[i].set(segment, offset, v[i]);
        }
    }

    public KvmRegs withRip(long value) {
        return new KvmRegs(rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13,
                r14, r15, value, rflags);
    }

    public KvmRegs withRsp(long value) {
        return new KvmRegs(rax, rbx, rcx, rdx, rsi, rdi, value, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public KvmRegs withRsi(long value) {
        return new KvmRegs(rax, rbx, rcx, rdx, value, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public KvmRegs withRbx(long value) {
        return new KvmRegs(rax, value, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public KvmRegs withRflags(long value) {
        return new KvmRegs(rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, value);
    }

    private static VarHandle[] handles() {
        VarHandle[] handles = new VarHandle[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            handles[i] = KvmLayouts.handle(KvmLayouts.KVM_REGS, NAMES[i]);
        }
        return handles;
    }
}
