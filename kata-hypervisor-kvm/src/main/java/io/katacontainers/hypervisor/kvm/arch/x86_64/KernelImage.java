package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A guest kernel loaded into guest memory, and how to enter it. */
public sealed interface KernelImage permits PvhElf, BzImage {
    /** Guest-physical address the boot vCPU starts at. */
    long entry();

    /** First guest-physical byte above the loaded kernel (the initrd must stay above it). */
    long end();

    /**
     * Loads {@code kernel} into {@code memory}: an ELF vmlinux with a PVH entry note, or a bzImage (Linux boot
     * protocol 2.12 or later, 64-bit entry).
     *
     * @throws KernelFormatException if the file is neither, or is malformed, or does not fit in guest RAM
     */
    static KernelImage load(Path kernel, GuestMemory memory) throws IOException {
        try (FileChannel file = FileChannel.open(kernel, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(4);
            file.read(magic, 0);
            if (magic.position() == 4 && magic.getInt(0) == PvhElf.ELF_MAGIC) {
                return PvhElf.load(kernel, file, memory);
            }
            ByteBuffer header = ByteBuffer.allocate(4);
            file.read(header, BzImage.HEADER_MAGIC_OFFSET);
            if (header.position() == 4 && header.getInt(0) == BzImage.HEADER_MAGIC) {
                return BzImage.load(kernel, file, memory);
            }
            throw new KernelFormatException(kernel + " is neither an ELF vmlinux nor a bzImage; configure the"
                    + " guest kernel built by packaging/guest (vmlinux or bzImage)");
        }
    }
}
