package io.katacontainers.hypervisor.kvm.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.tool.TinyPvhImage;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What both boot protocols leave in guest memory, byte for byte where the kernel reads it. */
class BootTest {
    private static final long MEMORY = 64L << 20;

    @TempDir
    Path dir;
    private GuestMemory memory;

    @BeforeEach
    void memory() throws Exception {
        memory = GuestMemory.create("boot-test", MEMORY);
    }

    @AfterEach
    void release() throws Exception {
        memory.close();
    }

    @Test
    void pvhStartInfoCarriesCommandLineInitrdAndMemoryMap() throws Exception {
        Path kernel = new TinyPvhImage().halt().write(dir.resolve("vmlinux"));
        Path initrd = Files.write(dir.resolve("initrd"), new byte[5000]);
        KernelImage image = Boot.prepare(memory, kernel, Optional.of(initrd), "console=ttyS0 quiet", 2);

        PvhElf pvh = assertInstanceOf(PvhElf.class, image);
        assertEquals(TinyPvhImage.LOAD + 64 + 2 * 56 + 24, pvh.entry(),
                "entry from the Xen note: code after headers and note");
        long info = Layout.PVH_INFO_START;
        assertEquals(0x336ec578, memory.readInt(info));
        assertEquals(1, memory.readInt(info + 4), "version 1: with memmap");
        assertEquals(1, memory.readInt(info + 12), "one module");
        long module = memory.readLong(info + 16);
        long initrdAddress = memory.readLong(module);
        assertEquals(5000, memory.readLong(module + 8));
        assertEquals(0, initrdAddress % 4096, "page aligned");
        assertEquals(MEMORY - 8192, initrdAddress, "as high as RAM allows");
        assertEquals("console=ttyS0 quiet", cString(memory.readLong(info + 24)));
        long memmap = memory.readLong(info + 40);
        assertEquals(3, memory.readInt(info + 48));
        assertEquals(List.of(new E820.Entry(0, 0x9fc00, 1), new E820.Entry(0x9fc00, 0x60400, 2),
                new E820.Entry(0x100000, MEMORY - 0x100000, 1)), readMap(memmap, 3, 24));
        assertEquals("_MP_", ascii(Layout.EBDA_START, 4), "MP table in the EBDA");
        assertEquals(Gdt.entry(Gdt.CODE_32, 0, 0xfffff), memory.readLong(Layout.GDT_START + Gdt.CODE_SELECTOR));
    }

    @Test
    void bzImageGetsZeroPageWithHeaderE820AndInitrdBelowItsLimit() throws Exception {
        Path kernel = bzImage(dir.resolve("bzImage"), 0x0fff_ffff);
        Path initrd = Files.write(dir.resolve("initrd"), new byte[4096]);
        BzImage bz = assertInstanceOf(BzImage.class,
                Boot.prepare(memory, kernel, Optional.of(initrd), "root=/dev/vda", 1));
        assertEquals(0x100200, bz.entry(), "64-bit entry at load address + 0x200");
        assertEquals((byte) 0xcc, memory.readByte(0x100000), "protected-mode code loaded at 1 MiB");

        long zp = Layout.ZERO_PAGE_START;
        assertEquals(0x53726448, memory.readInt(zp + 0x202), "HdrS copied from the image");
        assertEquals(0x020f, memory.readShort(zp + 0x206));
        assertEquals((byte) 0xff, memory.readByte(zp + 0x210), "type_of_loader: undefined");
        assertEquals(Layout.CMDLINE_START, memory.readInt(zp + 0x228));
        assertEquals("root=/dev/vda", cString(Layout.CMDLINE_START));
        assertEquals(MEMORY - 4096, memory.readInt(zp + 0x218), "ramdisk_image");
        assertEquals(4096, memory.readInt(zp + 0x21c), "ramdisk_size");
        assertEquals(3, memory.readByte(zp + 0x1e8), "e820_entries");
        assertEquals(List.of(new E820.Entry(0, 0x9fc00, 1), new E820.Entry(0x9fc00, 0x60400, 2),
                new E820.Entry(0x100000, MEMORY - 0x100000, 1)), readMap(zp + 0x2d0, 3, 20));
        assertEquals(Layout.PDPTE_START | 3, memory.readLong(Layout.PML4_START), "identity page tables");
        assertEquals((511L << 21) | 0x83, memory.readLong(Layout.PDE_START + 511 * 8));
        assertEquals(Gdt.entry(Gdt.CODE_64, 0, 0xfffff), memory.readLong(Layout.GDT_START + Gdt.CODE_SELECTOR));
    }

    @Test
    void initrdAboveTheKernelsLimitIsAClearError() throws Exception {
        Path kernel = bzImage(dir.resolve("bzImage"), 0x0010_0fff);
        Path initrd = Files.write(dir.resolve("initrd"), new byte[8192]);
        KernelFormatException e = assertThrows(KernelFormatException.class,
                () -> Boot.prepare(memory, kernel, Optional.of(initrd), "", 1));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
    }

    @Test
    void tooLongCommandLineAndUnknownFormatsAreRefused() throws Exception {
        Path kernel = new TinyPvhImage().halt().write(dir.resolve("vmlinux"));
        KernelFormatException tooLong = assertThrows(KernelFormatException.class,
                () -> Boot.prepare(memory, kernel, Optional.empty(), "x".repeat(2048), 1));
        assertTrue(tooLong.getMessage().contains("kernel_params"), tooLong.getMessage());
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a kernel at all, but long enough ".repeat(40));
        KernelFormatException unknown = assertThrows(KernelFormatException.class,
                () -> Boot.prepare(memory, text, Optional.empty(), "", 1));
        assertTrue(unknown.getMessage().contains("neither an ELF vmlinux nor a bzImage"), unknown.getMessage());
    }

    @Test
    void elfSegmentOutsideRamOrTruncatedFileIsRefused() throws Exception {
        byte[] elf = Files.readAllBytes(new TinyPvhImage().halt().write(dir.resolve("ok")));
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(64 + 24, MEMORY - 16); // PT_LOAD paddr: the segment would run past the end of RAM
        Path outside = Files.write(dir.resolve("outside"), elf);
        assertThrows(KernelFormatException.class, () -> Boot.prepare(memory, outside, Optional.empty(), "", 1));
        Path truncated = Files.write(dir.resolve("truncated"), java.util.Arrays.copyOf(elf, 100));
        assertThrows(KernelFormatException.class, () -> Boot.prepare(memory, truncated, Optional.empty(), "", 1));
    }

    @Test
    void pvhNoteParsingHandlesBothWidthsAndGarbage() {
        assertEquals(0x1000a0L, PvhElf.findPvhEntry(note("Xen\0", 18, new byte[] {(byte) 0xa0, 0, 0x10, 0}))
                .getAsLong());
        assertEquals(0x1_0000_0000L, PvhElf.findPvhEntry(note("Xen\0", 18, new byte[] {0, 0, 0, 0, 1, 0, 0, 0}))
                .getAsLong());
        assertTrue(PvhElf.findPvhEntry(note("Lin\0", 18, new byte[4])).isEmpty(), "other owner");
        assertTrue(PvhElf.findPvhEntry(note("Xen\0", 17, new byte[4])).isEmpty(), "other type");
        ByteBuffer hostile = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        hostile.putInt(0xffff_fff0).putInt(0x7fff_ffff).putInt(18).putInt(0).flip();
        assertTrue(PvhElf.findPvhEntry(hostile).isEmpty(), "sizes past the end");
    }

    private static ByteBuffer note(String name, int type, byte[] desc) {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(4).putInt(desc.length).putInt(type).put(name.getBytes(StandardCharsets.US_ASCII)).put(desc);
        return b.flip();
    }

    /** A minimal bzImage: boot sector with a 2.15 setup header, one setup sector, 4 KiB of "kernel". */
    private static Path bzImage(Path file, int initrdAddrMax) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(2 * 512 + 4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) 1);                      // setup_sects
        b.putShort(0x1fe, (short) 0xaa55);
        b.put(0x201, (byte) 0x66);                   // jump: header ends at 0x268
        b.putInt(0x202, 0x53726448);                 // HdrS
        b.putShort(0x206, (short) 0x020f);
        b.put(0x211, (byte) 0x01);                   // LOADED_HIGH
        b.putInt(0x22c, initrdAddrMax);
        b.putShort(0x236, (short) 0x01);             // XLF_KERNEL_64
        b.putInt(0x238, 2047);                       // cmdline_size
        for (int i = 1024; i < b.capacity(); i++) {
            b.put(i, (byte) 0xcc);
        }
        return Files.write(file, b.array());
    }

    private List<E820.Entry> readMap(long address, int count, int stride) {
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> new E820.Entry(
                memory.readLong(address + (long) i * stride), memory.readLong(address + (long) i * stride + 8),
                memory.readInt(address + (long) i * stride + 16))).toList();
    }

    private String cString(long address) {
        StringBuilder s = new StringBuilder();
        for (long a = address; memory.readByte(a) != 0; a++) {
            s.append((char) memory.readByte(a));
        }
        return s.toString();
    }

    private String ascii(long address, int length) {
        byte[] bytes = new byte[length];
        memory.read(address, bytes, 0, length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
