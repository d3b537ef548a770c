package io.katacontainers.ffm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Value records survive a write/read through native memory at a non-zero offset, with unsigned C fields kept
 * unsigned; catches a record reading a field through the wrong handle.
 */
class KvmRecordsTest {
    private static final long OFFSET = 64;

    @Test
    void sregsRoundTrip() {
        KvmSegment code = new KvmSegment(0x1000, 0xfffff, 0x8010, 0xb, 1, 3, 0, 1, 1, 1, 0, 0);
        KvmSegment data = new KvmSegment(0, 0xffffffff, 0xfff8, 0x3, 1, 0, 1, 1, 0, 1, 1, 0);
        KvmSregs sregs = new KvmSregs(code, data, data, data, data, data,
                new KvmSegment(0, 0x67, 0x18, 0xb, 1, 0, 0, 0, 0, 0, 0, 0),
                new KvmSegment(0, 0, 0, 0x2, 0, 0, 0, 0, 0, 0, 0, 1),
                new KvmDtable(0x500, 0xffff), new KvmDtable(0x520, 0x7ff),
                0x80050033L, 0x1234, 0x9000, 0x20, 0xf, 0x500, 0xfee00900L, List.of(1L, -1L, 0L, Long.MIN_VALUE));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(OFFSET + KvmLayouts.KVM_SREGS.byteSize(), Long.BYTES);
            sregs.write(m, OFFSET);
            assertEquals(sregs, KvmSregs.read(m, OFFSET));
            assertEquals(0xffff, KvmDtable.read(m, OFFSET + KvmLayouts.offset(KvmLayouts.KVM_SREGS, "gdt")).limit());
        }
    }

    @Test
    void regsRoundTripKeepsEveryRegisterApart() {
        KvmRegs regs = new KvmRegs(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(OFFSET + KvmLayouts.KVM_REGS.byteSize(), Long.BYTES);
            regs.write(m, OFFSET);
            assertEquals(regs, KvmRegs.read(m, OFFSET));
            assertEquals(17, m.get(ValueLayout.JAVA_LONG, OFFSET + KvmLayouts.offset(KvmLayouts.KVM_REGS, "rip")));
        }
    }

    @Test
    void smallRecordsRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(OFFSET + 256, Long.BYTES);
            UserMemoryRegion region = new UserMemoryRegion(3, UserMemoryRegion.KVM_MEM_READONLY, 0x100000, 0x2000,
                    0x7f0000001000L);
            region.write(m, OFFSET);
            assertEquals(region, UserMemoryRegion.read(m, OFFSET));
            CpuidEntry cpuid = new CpuidEntry(0x80000001, 0, CpuidEntry.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, -1, 2, 3, 4);
            cpuid.write(m, OFFSET);
            assertEquals(cpuid, CpuidEntry.read(m, OFFSET));
            MsrEntry msr = new MsrEntry(0xc0000080, 0x500);
            msr.write(m, OFFSET);
            assertEquals(msr, MsrEntry.read(m, OFFSET));
        }
    }

    @Test
    void sregsRejectsWrongBitmapLength() {
        KvmSegment s = new KvmSegment(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        KvmDtable d = new KvmDtable(0, 0);
        assertThrows(IllegalArgumentException.class,
                () -> new KvmSregs(s, s, s, s, s, s, s, s, d, d, 0, 0, 0, 0, 0, 0, 0, List.of(0L)));
    }
}
