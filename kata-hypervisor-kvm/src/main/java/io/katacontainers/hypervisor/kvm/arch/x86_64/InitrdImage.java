package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Where the initrd was loaded: at the top of RAM below the 32-bit hole, page aligned, above the kernel. */
public record InitrdImage(long address, long size) {
    private static final long PAGE = 4096;

    /**
     * Loads {@code initrd} as high as possible below {@code limit} (exclusive) and the end of the first RAM region.
     *
     * @throws KernelFormatException if it does not fit between {@code kernelEnd} and that limit
     */
    public static InitrdImage load(Path initrd, GuestMemory memory, long kernelEnd, long limit) throws IOException {
        try (FileChannel file = FileChannel.open(initrd, StandardOpenOption.READ)) {
            long size = file.size();
            long top = Math.min(memory.regions().getFirst().end(), limit);
            long address = (top - size) & ~(PAGE - 1);
            if (size == 0 || size > top || address < kernelEnd) {
                throw new KernelFormatException(String.format("initrd %s (%d bytes) does not fit in guest RAM between"
                        + " the kernel's end 0x%x and 0x%x; give the VM more memory", initrd, size, kernelEnd, top));
            }
            KernelFiles.fill(initrd, file, 0, memory.slice(address, size).asByteBuffer());
            return new InitrdImage(address, size);
        }
    }
}
