package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

/**
 * Identity page tables for entering the kernel in 64-bit mode: one PML4 entry, one PDPT entry and a page directory
 * of 512 2 MiB pages, mapping the first GiB, which holds the kernel, the zero page and the command line.
 */
public final class PageTables {
    private static final long PRESENT_WRITABLE = 0x03;
    private static final long HUGE_PAGE = 0x80;
    private static final long TWO_MIB = 2L << 20;
    private static final int ENTRIES = 512;

    private PageTables() {
    }

    /** Writes the tables; CR3 then points at {@link Layout#PML4_START}. */
    public static void write(GuestMemory memory) {
        memory.writeLong(Layout.PML4_START, Layout.PDPTE_START | PRESENT_WRITABLE);
        memory.writeLong(Layout.PDPTE_START, Layout.PDE_START | PRESENT_WRITABLE);
        for (int i = 0; i < ENTRIES; i++) {
            memory.writeLong(Layout.PDE_START + i * 8L, (i * TWO_MIB) | PRESENT_WRITABLE | HUGE_PAGE);
        }
    }
}
