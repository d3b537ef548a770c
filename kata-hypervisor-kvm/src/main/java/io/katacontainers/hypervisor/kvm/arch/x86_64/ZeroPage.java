package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.util.List;
import java.util.Optional;

/** The Linux boot protocol's {@code struct boot_params} ("zero page") for a {@link BzImage}. */
public final class ZeroPage {
    static final int SIZE = 4096;

    private ZeroPage() {
    }

    public static void write(GuestMemory memory, BzImage kernel, long cmdlineAddress, Optional<InitrdImage> initrd,
                             List<E820.Entry> e820) {
        if (e820.size() > BzImage.E820_MAX_ENTRIES) {
            throw new IllegalArgumentException("boot_params holds at most 128 e820 entries, got " + e820.size());
        }
        long page = Layout.ZERO_PAGE_START;
        memory.slice(page, SIZE).fill((byte) 0);
        byte[] header = kernel.setupHeader();
        memory.write(page + BzImage.SETUP_HEADER_OFFSET, header, 0, header.length);
        memory.writeByte(page + BzImage.TYPE_OF_LOADER, (byte) BzImage.LOADER_UNDEFINED);
        memory.writeInt(page + BzImage.CMD_LINE_PTR, (int) cmdlineAddress);
        initrd.ifPresent(image -> {
            memory.writeInt(page + BzImage.RAMDISK_IMAGE, (int) image.address());
            memory.writeInt(page + BzImage.RAMDISK_SIZE, (int) image.size());
        });
        memory.writeByte(page + BzImage.E820_ENTRIES, (byte) e820.size());
        for (int i = 0; i < e820.size(); i++) {
            long entry = page + BzImage.E820_TABLE + (long) i * BzImage.E820_ENTRY_SIZE;
            memory.writeLong(entry, e820.get(i).address());
            memory.writeLong(entry + 8, e820.get(i).size());
            memory.writeInt(entry + 16, e820.get(i).type());
        }
    }
}
