package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.KVM_MSR_ENTRY;
import static io.katacontainers.ffm.kvm.KvmLayouts.handle;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/** A model-specific register and its value ({@code struct kvm_msr_entry}). */
public record MsrEntry(int index, long data) {
    private static final VarHandle INDEX = handle(KVM_MSR_ENTRY, "index");
    private static final VarHandle DATA = handle(KVM_MSR_ENTRY, "data");

    public static MsrEntry read(MemorySegment m, long offset) {
        return new MsrEntry((int) INDEX.get(m, offset), (long) DATA.get(m, offset));
    }

    public void write(MemorySegment m, long offset) {
        INDEX.set(m, offset, index);
        DATA.set(m, offset, data);
    }
}
