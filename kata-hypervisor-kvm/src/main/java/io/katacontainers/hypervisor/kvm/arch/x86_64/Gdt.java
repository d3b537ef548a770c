package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.ffm.kvm.KvmSegment;

/**
 * The boot GDT. Selectors follow the Linux boot protocol (__BOOT_CS 0x10, __BOOT_DS 0x18); PVH accepts any flat
 * segments, so both protocols share the layout and differ only in the code segment's mode (32- or 64-bit).
 */
public final class Gdt {
    public static final int CODE_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;
    public static final int TSS_SELECTOR = 0x20;
    public static final int ENTRIES = 5;

    // Access byte in bits 0-7, flags (G, D/B, L, AVL) in bits 12-15 of these 16-bit values.
    static final int CODE_64 = 0xa09b;
    static final int CODE_32 = 0xc09b;
    static final int DATA = 0xc093;
    static final int TSS = 0x808b;

    private Gdt() {
    }

    /** The descriptor table for {@code longMode} or 32-bit protected mode, flat 4 GiB segments. */
    public static long[] table(boolean longMode) {
        return new long[] {0, 0, entry(longMode ? CODE_64 : CODE_32, 0, 0xfffff), entry(DATA, 0, 0xfffff),
                entry(TSS, 0, 0xfffff)};
    }

    /** A segment descriptor from its 16 flag bits, base and 20-bit limit. */
    public static long entry(int flags, long base, long limit) {
        return ((base & 0xff00_0000L) << 32) | ((flags & 0xf0ffL) << 40) | ((limit & 0x000f_0000L) << 32)
                | ((base & 0x00ff_ffffL) << 16) | (limit & 0xffffL);
    }

    /** The hidden segment register state KVM needs for a descriptor loaded with {@code selector}. */
    public static KvmSegment segment(long entry, int selector) {
        long base = ((entry >>> 16) & 0xff_ffffL) | (((entry >>> 56) & 0xff) << 24);
        int limit = (int) ((entry & 0xffff) | (((entry >>> 48) & 0xf) << 16));
        int granularity = (int) ((entry >>> 55) & 1);
        // With 4 KiB granularity the limit counts pages: KVM wants it in bytes.
        int byteLimit = granularity == 1 ? (limit << 12) | 0xfff : limit;
        return new KvmSegment(base, byteLimit, selector, (int) ((entry >>> 40) & 0xf), (int) ((entry >>> 47) & 1),
                (int) ((entry >>> 45) & 3), (int) ((entry >>> 54) & 1), (int) ((entry >>> 44) & 1),
                (int) ((entry >>> 53) & 1), granularity, (int) ((entry >>> 52) & 1), 0);
    }
}
