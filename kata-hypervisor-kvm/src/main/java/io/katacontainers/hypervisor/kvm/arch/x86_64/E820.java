package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.util.ArrayList;
import java.util.List;

/** The guest's physical memory map, as both boot protocols hand it over (boot_params.e820_table, PVH memmap). */
public final class E820 {
    public static final int RAM = 1;
    public static final int RESERVED = 2;

    /** One range of the map. */
    public record Entry(long address, long size, int type) {
    }

    private E820() {
    }

    /**
     * Conventional memory below the EBDA, the BIOS area reserved up to 1 MiB (the MP table is there), then every
     * RAM region above 1 MiB (split around the 32-bit hole).
     */
    public static List<Entry> map(GuestMemory memory) {
        if (memory.size() <= Layout.HIMEM_START) {
            throw new IllegalArgumentException("guest RAM must be larger than 1 MiB, got " + memory.size() + " bytes");
        }
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry(0, Layout.EBDA_START, RAM));
        entries.add(new Entry(Layout.EBDA_START, Layout.HIMEM_START - Layout.EBDA_START, RESERVED));
        for (GuestMemory.Region region : memory.regions()) {
            long start = Math.max(region.guestAddress(), Layout.HIMEM_START);
            if (region.end() > start) {
                entries.add(new Entry(start, region.end() - start, RAM));
            }
        }
        return List.copyOf(entries);
    }
}
