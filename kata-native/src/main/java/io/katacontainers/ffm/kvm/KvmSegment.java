package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.KVM_SEGMENT;
import static io.katacontainers.ffm.kvm.KvmLayouts.handle;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A segment register ({@code struct kvm_segment}). Unsigned C fields are held widened ({@code int}) and
 * truncated on write.
 */
public record KvmSegment(long base, int limit, int selector, int type, int present, int dpl, int db, int s, int l,
                         int g, int avl, int unusable) {

    private static final VarHandle BASE = handle(KVM_SEGMENT, "base");
    private static final VarHandle LIMIT = handle(KVM_SEGMENT, "limit");
    private static final VarHandle SELECTOR = handle(KVM_SEGMENT, "selector");
    private static final VarHandle TYPE = handle(KVM_SEGMENT, "type");
    private static final VarHandle PRESENT = handle(KVM_SEGMENT, "present");
    private static final VarHandle DPL = handle(KVM_SEGMENT, "dpl");
    private static final VarHandle DB = handle(KVM_SEGMENT, "db");
    private static final VarHandle S = handle(KVM_SEGMENT, "s");
    private static final VarHandle L = handle(KVM_SEGMENT, "l");
    private static final VarHandle G = handle(KVM_SEGMENT, "g");
    private static final VarHandle AVL = handle(KVM_SEGMENT, "avl");
    private static final VarHandle UNUSABLE = handle(KVM_SEGMENT, "unusable");

    public static KvmSegment read(MemorySegment m, long offset) {
        return new KvmSegment((long) BASE.get(m, offset), (int) LIMIT.get(m, offset),
                Short.toUnsignedInt((short) SELECTOR.get(m, offset)), u8(TYPE, m, offset), u8(PRESENT, m, offset),
                u8(DPL, m, offset), u8(DB, m, offset), u8(S, m, offset), u8(L, m, offset), u8(G, m, offset),
                u8(AVL, m, offset), u8(UNUSABLE, m, offset));
    }

    /** Writes every field; the C {@code padding} byte is left as it is. */
    public void write(MemorySegment m, long offset) {
        BASE.set(m, offset, base);
        LIMIT.set(m, offset, limit);
        SELECTOR.set(m, offset, (short) selector);
        TYPE.set(m, offset, (byte) type);
        PRESENT.set(m, offset, (byte) present);
        DPL.set(m, offset, (byte) dpl);
        DB.set(m, offset, (byte) db);
        S.set(m, offset, (byte) s);
        L.set(m, offset, (byte) l);
        G.set(m, offset, (byte) g);
        AVL.set(m, offset, (byte) avl);
        UNUSABLE.set(m, offset, (byte) unusable);
    }

    public KvmSegment withBase(long value) {
        return new KvmSegment(value, limit, selector, type, present, dpl, db, s, l, g, avl, unusable);
    }

    public KvmSegment withSelector(int value) {
        return new KvmSegment(base, limit, value, type, present, dpl, db, s, l, g, avl, unusable);
    }

    private static int u8(VarHandle h, MemorySegment m, long offset) {
        return Byte.toUnsignedInt((byte) h.get(m, offset));
    }
}
