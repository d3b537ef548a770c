package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.util.List;
import java.util.Optional;

/**
 * Xen's {@code struct hvm_start_info} (version 1, with the memory map), which a PVH kernel finds through
 * {@code ebx}: the command line, the initrd as the first module, and the e820 map.
 */
public final class PvhStartInfo {
    static final int MAGIC = 0x336e_c578;
    static final int VERSION = 1;
    static final int START_INFO_SIZE = 56;
    static final int MODLIST_ENTRY_SIZE = 32;
    static final int MEMMAP_ENTRY_SIZE = 24;

    private PvhStartInfo() {
    }

    public static void write(GuestMemory memory, long cmdlineAddress, Optional<InitrdImage> initrd,
                             List<E820.Entry> e820) {
        long info = Layout.PVH_INFO_START;
        memory.slice(info, START_INFO_SIZE).fill((byte) 0);
        memory.writeInt(info, MAGIC);
        memory.writeInt(info + 4, VERSION);
        if (initrd.isPresent()) {
            long module = Layout.PVH_MODLIST_START;
            memory.slice(module, MODLIST_ENTRY_SIZE).fill((byte) 0);
            memory.writeLong(module, initrd.get().address());
            memory.writeLong(module + 8, initrd.get().size());
            memory.writeInt(info + 12, 1);
            memory.writeLong(info + 16, module);
        }
        memory.writeLong(info + 24, cmdlineAddress);
        memory.writeLong(info + 40, Layout.PVH_MEMMAP_START);
        memory.writeInt(info + 48, e820.size());
        for (int i = 0; i < e820.size(); i++) {
            long entry = Layout.PVH_MEMMAP_START + (long) i * MEMMAP_ENTRY_SIZE;
            memory.writeLong(entry, e820.get(i).address());
            memory.writeLong(entry + 8, e820.get(i).size());
            memory.writeInt(entry + 16, e820.get(i).type());
            memory.writeInt(entry + 20, 0);
        }
    }
}
