package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.KVM_CPUID_ENTRY2;
import static io.katacontainers.ffm.kvm.KvmLayouts.handle;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/** One CPUID leaf ({@code struct kvm_cpuid_entry2}). */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    /** The leaf depends on ECX ({@code index}). */
    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    private static final VarHandle FUNCTION = handle(KVM_CPUID_ENTRY2, "function");
    private static final VarHandle INDEX = handle(KVM_CPUID_ENTRY2, "index");
    private static final VarHandle FLAGS = handle(KVM_CPUID_ENTRY2, "flags");
    private static final VarHandle EAX = handle(KVM_CPUID_ENTRY2, "eax");
    private static final VarHandle EBX = handle(KVM_CPUID_ENTRY2, "ebx");
    private static final VarHandle ECX = handle(KVM_CPUID_ENTRY2, "ecx");
    private static final VarHandle EDX = handle(KVM_CPUID_ENTRY2, "edx");

    public static CpuidEntry read(MemorySegment m, long offset) {
        return new CpuidEntry((int) FUNCTION.get(m, offset), (int) INDEX.get(m, offset), (int) FLAGS.get(m, offset),
                (int) EAX.get(m, offset), (int) EBX.get(m, offset), (int) ECX.get(m, offset),
                (int) EDX.get(m, offset));
    }

    public void write(MemorySegment m, long offset) {
        FUNCTION.set(m, offset, function);
        INDEX.set(m, offset, index);
        FLAGS.set(m, offset, flags);
        EAX.set(m, offset, eax);
        EBX.set(m, offset, ebx);
        ECX.set(m, offset, ecx);
        EDX.set(m, offset, edx);
    }
}
