package io.katacontainers.hypervisor.kvm.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The MP table as Linux's mpparse reads it: signatures, lengths, checksums and entries. */
class MpTableTest {
    @Test
    void floatingPointerAndTableAreWellFormed() {
        int cpus = 3;
        byte[] table = MpTable.build(cpus, Layout.EBDA_START);
        ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("_MP_", ascii(table, 0, 4));
        assertEquals(Layout.EBDA_START + 16, Integer.toUnsignedLong(b.getInt(4)), "points right after itself");
        assertEquals(1, b.get(8), "length in 16-byte units");
        assertEquals(4, b.get(9), "spec 1.4");
        assertEquals(0, sum(table, 0, 16), "floating pointer checksum");

        int length = Short.toUnsignedInt(b.getShort(16 + 4));
        assertEquals("PCMP", ascii(table, 16, 4));
        assertEquals(table.length - 16, length);
        assertEquals(0, sum(table, 16, length), "table checksum");
        int entries = Short.toUnsignedInt(b.getShort(16 + 34));
        assertEquals(cpus + 1 + 1 + 24 + 2, entries);
        assertEquals(Layout.LAPIC_ADDRESS, Integer.toUnsignedLong(b.getInt(16 + 36)));

        int at = 16 + 44;
        for (int cpu = 0; cpu < cpus; cpu++, at += 20) {
            assertEquals(0, table[at], "processor entry");
            assertEquals(cpu, table[at + 1], "APIC id");
            assertEquals(cpu == 0 ? 3 : 1, table[at + 3], "enabled, bootstrap for CPU 0 only");
        }
        assertEquals(1, table[at]);
        assertEquals("ISA   ", ascii(table, at + 2, 6));
        at += 8;
        assertEquals(2, table[at], "IOAPIC entry");
        assertEquals(cpus + 1, table[at + 1], "IOAPIC id after the CPUs");
        assertEquals(Layout.IOAPIC_ADDRESS, Integer.toUnsignedLong(b.getInt(at + 4)));
        at += 8;
        for (int irq = 0; irq < 24; irq++, at += 8) {
            assertEquals(3, table[at]);
            assertEquals(irq, table[at + 5], "source IRQ");
            assertEquals(irq, table[at + 7], "IOAPIC pin");
        }
        assertEquals(4, table[at]);
        assertEquals(3, table[at + 1], "LINT0 ExtINT");
        assertEquals(4, table[at + 8]);
        assertEquals(1, table[at + 9], "LINT1 NMI");
        assertEquals(1, table[at + 15], "to LINT1");
    }

    @Test
    void cpuCountIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> MpTable.build(0, 0));
        assertThrows(IllegalArgumentException.class, () -> MpTable.build(255, 0));
        assertEquals(16 + 44 + 254 * 20 + 28 * 8, MpTable.build(254, 0).length);
    }

    private static int sum(byte[] bytes, int offset, int length) {
        int s = 0;
        for (int i = offset; i < offset + length; i++) {
            s += bytes[i];
        }
        return s & 0xff;
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.US_ASCII);
    }
}
