package io.katacontainers.hypervisor.kvm.arch.x86_64;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Bounds-checked positional reads from kernel and initrd files. */
final class KernelFiles {
    private KernelFiles() {
    }

    /**
     * Exactly {@code length} bytes at {@code offset}, little-endian; a short file is a {@link KernelFormatException}.
     */
    static ByteBuffer read(Path path, FileChannel file, long offset, int length) throws IOException {
        if (offset < 0 || length < 0 || offset > file.size() - length) {
            throw new KernelFormatException(path + " is truncated: needs bytes " + offset + ".." + (offset + length));
        }
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        fill(path, file, offset, buffer);
        return buffer.flip();
    }

    /** Fills {@code target} from the file at {@code offset}. */
    static void fill(Path path, FileChannel file, long offset, ByteBuffer target) throws IOException {
        int start = target.position();
        while (target.hasRemaining()) {
            if (file.read(target, offset + target.position() - start) < 0) {
                throw new KernelFormatException(path + " is truncated at " + (offset + target.position() - start));
            }
        }
    }
}
