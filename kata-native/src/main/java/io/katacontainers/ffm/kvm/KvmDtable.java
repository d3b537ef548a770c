package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.KVM_DTABLE;
import static io.katacontainers.ffm.kvm.KvmLayouts.handle;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/** A descriptor table register, GDTR or IDTR ({@code struct kvm_dtable}); {@code limit} is an unsigned 16-bit value. */
public record KvmDtable(long base, int limit) {
    private static final VarHandle BASE = handle(KVM_DTABLE, "base");
    private static final VarHandle LIMIT = handle(KVM_DTABLE, "limit");

    public static KvmDtable read(MemorySegment m, long offset) {
        return new KvmDtable((long) BASE.get(m, offset), Short.toUnsignedInt((short) LIMIT.get(m, offset)));
    }

    public void write(MemorySegment m, long offset) {
        BASE.set(m, offset, base);
        LIMIT.set(m, offset, (short) limit);
    }
}
