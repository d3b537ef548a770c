package io.katacontainers.hypervisor.kvm.arch.x86_64;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Intel MultiProcessor Specification 1.4 table, Linux's source of CPUs and interrupt routing when there is no
 * ACPI: the floating pointer, then the configuration table with one processor entry per vCPU, the ISA bus, the
 * IOAPIC, an identity route for each IOAPIC input, and the local interrupts (LINT0 ExtINT, LINT1 NMI).
 */
public final class MpTable {
    static final int FLOATING_POINTER_SIZE = 16;
    static final int HEADER_SIZE = 44;
    static final int CPU_ENTRY_SIZE = 20;
    static final int SMALL_ENTRY_SIZE = 8;
    static final int MAX_CPUS = 254;

    private static final int SPEC_REVISION = 4;
    private static final int APIC_VERSION = 0x14;
    private static final int IOAPIC_VERSION = 0x11;
    private static final int CPU_ENABLED = 1;
    private static final int CPU_BOOTSTRAP = 2;
    private static final int CPU_STEPPING = 0x600;
    private static final int CPU_FEATURE_FPU = 1;
    private static final int CPU_FEATURE_APIC = 0x200;
    private static final int ENTRY_PROCESSOR = 0;
    private static final int ENTRY_BUS = 1;
    private static final int ENTRY_IOAPIC = 2;
    private static final int ENTRY_INTERRUPT = 3;
    private static final int ENTRY_LOCAL_INTERRUPT = 4;
    private static final int IRQ_INT = 0;
    private static final int IRQ_NMI = 1;
    private static final int IRQ_EXTINT = 3;
    private static final int ISA_BUS = 0;

    private MpTable() {
    }

    /** Bytes of the table for {@code cpus} vCPUs, meant to sit at guest address {@code address}. */
    public static byte[] build(int cpus, long address) {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException("the MP table describes 1 to " + MAX_CPUS + " vCPUs, not " + cpus);
        }
        int irqs = Layout.IRQ_MAX + 1;
        int tableSize = HEADER_SIZE + cpus * CPU_ENTRY_SIZE + SMALL_ENTRY_SIZE * (2 + irqs + 2);
        int entryCount = cpus + 2 + irqs + 2;
        ByteBuffer b = ByteBuffer.allocate(FLOATING_POINTER_SIZE + tableSize).order(ByteOrder.LITTLE_ENDIAN);

        b.put(ascii("_MP_")).putInt((int) (address + FLOATING_POINTER_SIZE)).put((byte) 1).put((byte) SPEC_REVISION)
                .put((byte) 0).put(new byte[5]);
        b.put(10, checksum(b.array(), 0, FLOATING_POINTER_SIZE));

        int table = FLOATING_POINTER_SIZE;
        b.put(ascii("PCMP")).putShort((short) tableSize).put((byte) SPEC_REVISION).put((byte) 0)
                .put(ascii("KATAJAVA")).put(ascii("BUILTIN-VMM "))
                .putInt(0).putShort((short) 0).putShort((short) entryCount)
                .putInt((int) Layout.LAPIC_ADDRESS).putShort((short) 0).put((byte) 0).put((byte) 0);
        for (int cpu = 0; cpu < cpus; cpu++) {
            b.put((byte) ENTRY_PROCESSOR).put((byte) cpu).put((byte) APIC_VERSION)
                    .put((byte) (CPU_ENABLED | (cpu == 0 ? CPU_BOOTSTRAP : 0)))
                    .putInt(CPU_STEPPING).putInt(CPU_FEATURE_APIC | CPU_FEATURE_FPU).putLong(0);
        }
        int ioapicId = cpus + 1;
        b.put((byte) ENTRY_BUS).put((byte) ISA_BUS).put(ascii("ISA   "));
        b.put((byte) ENTRY_IOAPIC).put((byte) ioapicId).put((byte) IOAPIC_VERSION).put((byte) 1)
                .putInt((int) Layout.IOAPIC_ADDRESS);
        for (int irq = 0; irq < irqs; irq++) {
            b.put((byte) ENTRY_INTERRUPT).put((byte) IRQ_INT).putShort((short) 0).put((byte) ISA_BUS)
                    .put((byte) irq).put((byte) ioapicId).put((byte) irq);
        }
        b.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) IRQ_EXTINT).putShort((short) 0).put((byte) ISA_BUS)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        b.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) IRQ_NMI).putShort((short) 0).put((byte) ISA_BUS)
                .put((byte) 0).put((byte) 0xff).put((byte) 1);
        if (b.position() != FLOATING_POINTER_SIZE + tableSize) {
            throw new IllegalStateException("MP table size mismatch: " + b.position());
        }
        b.put(table + 7, checksum(b.array(), table, tableSize));
        return b.array();
    }

    /** The byte that makes {@code length} bytes from {@code offset} sum to zero (mod 256). */
    static byte checksum(byte[] bytes, int offset, int length) {
        int sum = 0;
        for (int i = offset; i < offset + length; i++) {
            sum += bytes[i];
        }
        return (byte) -sum;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
