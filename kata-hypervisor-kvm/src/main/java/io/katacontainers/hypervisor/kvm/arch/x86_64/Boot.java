package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Puts everything a kernel needs at boot into guest memory: the kernel, the initrd, the command line, the MP table,
 * the boot GDT and IDT, and the protocol's hand-over structure (PVH start_info, or page tables and the zero page).
 */
public final class Boot {
    private static final long INITRD_LIMIT_PVH = 1L << 32;

    private Boot() {
    }

    public static KernelImage prepare(GuestMemory memory, Path kernel, Optional<Path> initrd, String cmdline,
                                      int vcpus) throws IOException {
        KernelImage image = KernelImage.load(kernel, memory);
        byte[] line = cmdline.getBytes(StandardCharsets.US_ASCII);
        int maxLength = image instanceof BzImage bz ? Math.min(bz.cmdlineSize(), Layout.CMDLINE_MAX_SIZE - 1)
                : Layout.CMDLINE_MAX_SIZE - 1;
        if (line.length > maxLength) {
            throw new KernelFormatException("the kernel command line is " + line.length + " bytes; the kernel takes at"
                    + " most " + maxLength + ": shorten kernel_params in the configuration");
        }
        memory.write(Layout.CMDLINE_START, line, 0, line.length);
        memory.writeByte(Layout.CMDLINE_START + line.length, (byte) 0);

        long initrdLimit = image instanceof BzImage bz ? bz.initrdAddressMax() + 1 : INITRD_LIMIT_PVH;
        Optional<InitrdImage> loadedInitrd = Optional.empty();
        if (initrd.isPresent()) {
            loadedInitrd = Optional.of(InitrdImage.load(initrd.get(), memory, image.end(), initrdLimit));
        }

        byte[] mpTable = MpTable.build(vcpus, Layout.EBDA_START);
        memory.write(Layout.EBDA_START, mpTable, 0, mpTable.length);
        long[] gdt = Gdt.table(image instanceof BzImage);
        for (int i = 0; i < gdt.length; i++) {
            memory.writeLong(Layout.GDT_START + i * 8L, gdt[i]);
        }
        memory.writeLong(Layout.IDT_START, 0);

        List<E820.Entry> e820 = E820.map(memory);
        switch (image) {
            case PvhElf _ -> PvhStartInfo.write(memory, Layout.CMDLINE_START, loadedInitrd, e820);
            case BzImage bz -> {
                PageTables.write(memory);
                ZeroPage.write(memory, bz, Layout.CMDLINE_START, loadedInitrd, e820);
            }
        }
        return image;
    }
}
