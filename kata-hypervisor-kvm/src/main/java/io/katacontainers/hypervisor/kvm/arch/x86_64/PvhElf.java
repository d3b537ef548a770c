package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * An uncompressed vmlinux (ELF64, x86_64) entered through Xen's PVH protocol: its PT_LOAD segments are copied to
 * their physical addresses and the entry point comes from the {@code XEN_ELFNOTE_PHYS32_ENTRY} note. Every field of
 * the file is checked before use: a truncated or hostile file is an error, never an out-of-range access.
 */
public record PvhElf(long entry, long end) implements KernelImage {
    static final int ELF_MAGIC = 0x7f454c46; // "\x7fELF" read big-endian
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int MAX_PHDRS = 64;
    private static final int MAX_NOTE_SEGMENT = 1 << 20;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int EM_X86_64 = 62;

    static PvhElf load(Path path, FileChannel file, GuestMemory memory) throws IOException {
        long fileSize = file.size();
        ByteBuffer ehdr = KernelFiles.read(path, file, 0, EHDR_SIZE);
        if (ehdr.get(4) != 2 || ehdr.get(5) != 1 || ehdr.getShort(18) != EM_X86_64) {
            throw new KernelFormatException(path + " is not a little-endian 64-bit x86 ELF");
        }
        long phoff = ehdr.getLong(32);
        int phentsize = Short.toUnsignedInt(ehdr.getShort(54));
        int phnum = Short.toUnsignedInt(ehdr.getShort(56));
        if (phentsize != PHDR_SIZE || phnum == 0 || phnum > MAX_PHDRS) {
            throw new KernelFormatException(path + ": bad program header table (" + phnum + " entries of "
                    + phentsize + " bytes)");
        }
        ByteBuffer phdrs = KernelFiles.read(path, file, phoff, phnum * PHDR_SIZE);
        OptionalLong entry = OptionalLong.empty();
        long end = 0;
        for (int i = 0; i < phnum; i++) {
            int at = i * PHDR_SIZE;
            int type = phdrs.getInt(at);
            long offset = phdrs.getLong(at + 8);
            long paddr = phdrs.getLong(at + 24);
            long filesz = phdrs.getLong(at + 32);
            long memsz = phdrs.getLong(at + 40);
            if (filesz < 0 || memsz < 0 || offset < 0 || filesz > fileSize || offset > fileSize - filesz) {
                throw new KernelFormatException(path + ": program header " + i + " points outside the file");
            }
            if (type == PT_LOAD) {
                if (memsz < filesz || paddr < Layout.HIMEM_START || !memory.contains(paddr, memsz)) {
                    throw new KernelFormatException(String.format("%s: segment %d (0x%x+0x%x) does not fit in guest"
                            + " RAM above 1 MiB; give the VM more memory or check the kernel", path, i, paddr, memsz));
                }
                KernelFiles.fill(path, file, offset, memory.slice(paddr, filesz).asByteBuffer());
                memory.slice(paddr + filesz, memsz - filesz).fill((byte) 0);
                end = Math.max(end, paddr + memsz);
            } else if (type == PT_NOTE && entry.isEmpty()) {
                if (filesz > MAX_NOTE_SEGMENT) {
                    throw new KernelFormatException(path + ": note segment of " + filesz + " bytes is implausible");
                }
                entry = findPvhEntry(KernelFiles.read(path, file, offset, (int) filesz));
            }
        }
        if (entry.isEmpty()) {
            throw new KernelFormatException(path + " has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): build the"
                    + " kernel with CONFIG_PVH=y, or boot its bzImage instead");
        }
        if (!memory.contains(entry.getAsLong(), 1)) {
            throw new KernelFormatException(String.format("%s: PVH entry 0x%x is outside guest RAM", path,
                    entry.getAsLong()));
        }
        return new PvhElf(entry.getAsLong(), end);
    }

    /** Walks ELF notes ({@code namesz, descsz, type, name, desc}, each 4-aligned) for Xen's PHYS32_ENTRY. */
    static OptionalLong findPvhEntry(ByteBuffer notes) {
        int position = 0;
        int limit = notes.limit();
        while (limit - position >= 12) {
            long namesz = Integer.toUnsignedLong(notes.getInt(position));
            long descsz = Integer.toUnsignedLong(notes.getInt(position + 4));
            int type = notes.getInt(position + 8);
            long nameStart = position + 12L;
            long descStart = nameStart + align4(namesz);
            long next = descStart + align4(descsz);
            if (descStart + descsz > limit) {
                return OptionalLong.empty();
            }
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && isXen(notes, (int) nameStart)) {
                if (descsz == 4) {
                    return OptionalLong.of(Integer.toUnsignedLong(notes.getInt((int) descStart)));
                }
                if (descsz == 8) {
                    return OptionalLong.of(notes.getLong((int) descStart));
                }
            }
            if (next > limit) {
                return OptionalLong.empty();
            }
            position = (int) next;
        }
        return OptionalLong.empty();
    }

    private static boolean isXen(ByteBuffer notes, int at) {
        byte[] name = new byte[4];
        notes.get(at, name);
        return new String(name, StandardCharsets.US_ASCII).equals("Xen\0");
    }

    private static long align4(long n) {
        return (n + 3) & ~3L;
    }
}
