package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A bzImage entered through the Linux x86 boot protocol's 64-bit entry ({@code Documentation/x86/boot.rst}): the
 * protected-mode part is loaded at 1 MiB and entered at +0x200 in long mode with {@code rsi} pointing at the zero
 * page, which carries a copy of the image's setup header.
 *
 * @param setupHeader the image's setup header, from offset {@link #SETUP_HEADER_OFFSET} to its end
 * @param initrdAddressMax highest address the initrd may end at
 * @param cmdlineSize longest command line the kernel takes, without the NUL
 */
public record BzImage(long entry, long end, byte[] setupHeader, long initrdAddressMax, int cmdlineSize)
        implements KernelImage {
    static final int HEADER_MAGIC = 0x48647253; // "HdrS" read big-endian
    static final int HEADER_MAGIC_OFFSET = 0x202;
    static final int SETUP_HEADER_OFFSET = 0x1f1;
    // Offsets inside the zero page / image (the setup header sits at the same place in both).
    static final int SETUP_SECTS = 0x1f1;
    static final int BOOT_FLAG = 0x1fe;
    static final int JUMP_LENGTH = 0x201;
    static final int VERSION = 0x206;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21c;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22c;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int E820_ENTRIES = 0x1e8;
    static final int E820_TABLE = 0x2d0;
    static final int E820_MAX_ENTRIES = 128;
    static final int E820_ENTRY_SIZE = 20;

    static final int MIN_VERSION = 0x020c; // 2.12: xloadflags, the 64-bit entry
    static final int LOADED_HIGH = 0x01;
    static final int XLF_KERNEL_64 = 0x01;
    static final int LOADER_UNDEFINED = 0xff;
    static final int ENTRY_64_OFFSET = 0x200;
    private static final int SECTOR = 512;
    private static final int BOOT_SECTOR_READ = 0x300;

    public BzImage {
        setupHeader = setupHeader.clone();
    }

    @Override
    public byte[] setupHeader() {
        return setupHeader.clone();
    }

    static BzImage load(Path path, FileChannel file, GuestMemory memory) throws IOException {
        ByteBuffer boot = KernelFiles.read(path, file, 0, BOOT_SECTOR_READ);
        int version = Short.toUnsignedInt(boot.getShort(VERSION));
        if (Short.toUnsignedInt(boot.getShort(BOOT_FLAG)) != 0xaa55 || version < MIN_VERSION) {
            throw new KernelFormatException(String.format("%s: boot protocol %d.%d is too old (needs 2.12 for the"
                    + " 64-bit entry)", path, version >> 8, version & 0xff));
        }
        if ((boot.get(LOADFLAGS) & LOADED_HIGH) == 0 || (boot.getShort(XLOADFLAGS) & XLF_KERNEL_64) == 0) {
            throw new KernelFormatException(path + " is not a 64-bit bzImage loadable at 1 MiB");
        }
        int setupSects = Byte.toUnsignedInt(boot.get(SETUP_SECTS));
        long kernelOffset = (long) ((setupSects == 0 ? 4 : setupSects) + 1) * SECTOR;
        long kernelSize = file.size() - kernelOffset;
        if (kernelSize <= ENTRY_64_OFFSET || !memory.contains(Layout.HIMEM_START, kernelSize)) {
            throw new KernelFormatException(path + ": the kernel (" + kernelSize + " bytes) does not fit in guest RAM"
                    + " at 1 MiB");
        }
        KernelFiles.fill(path, file, kernelOffset, memory.slice(Layout.HIMEM_START, kernelSize).asByteBuffer());
        int headerEnd = Math.min(HEADER_MAGIC_OFFSET + Byte.toUnsignedInt(boot.get(JUMP_LENGTH)), BOOT_SECTOR_READ);
        byte[] header = new byte[headerEnd - SETUP_HEADER_OFFSET];
        boot.get(SETUP_HEADER_OFFSET, header);
        return new BzImage(Layout.HIMEM_START + ENTRY_64_OFFSET, Layout.HIMEM_START + kernelSize, header,
                Integer.toUnsignedLong(boot.getInt(INITRD_ADDR_MAX)), boot.getInt(CMDLINE_SIZE));
    }
}
