package io.katacontainers.hypervisor.kvm.snapshot;

import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest memory to and from a snapshot's {@code memory} file. The file has the memfd's layout (offset for offset) and
 * holds only the stretches the memfd has data in (found with SEEK_DATA/SEEK_HOLE: pages the guest never touched are
 * holes in both), so it is as large as the guest's touched memory on disk.
 *
 * <p>A restore copies those stretches into the new VM's own fresh memfd. Copying, rather than mapping the file
 * MAP_PRIVATE, keeps the two properties templates need: the template's file is only ever read (no clone can write
 * to it, whatever its guest does), and the clone's memory is an ordinary shared memfd that virtiofsd can map like a
 * cold-booted VM's. A private file mapping could not be handed to virtiofsd (its pages would not be shared), and a
 * shared one would let every clone write into the template.
 */
final class MemoryImage {
    /** At most this many bytes per transfer call. */
    private static final long CHUNK = 64L << 20;

    private MemoryImage() {
    }

    /** The stretches of {@code memory}'s memfd that hold data, in ascending order. */
    static List<MemoryExtent> dataExtents(GuestMemory memory) throws SyscallException {
        int fd = memory.fd().get();
        long size = memory.size();
        List<MemoryExtent> extents = new ArrayList<>();
        long offset = 0;
        while (offset < size) {
            long data;
            try {
                data = Libc.lseek(fd, offset, Libc.SEEK_DATA);
            } catch (SyscallException e) {
                if (e.is(io.katacontainers.ffm.libc.Errno.ENXIO)) {
                    break;
                }
                throw e;
            }
            if (data >= size) {
                break;
            }
            long hole = Math.min(size, Libc.lseek(fd, data, Libc.SEEK_HOLE));
            long start = data & ~(SnapshotCodec.PAGE - 1);
            long end = (hole + SnapshotCodec.PAGE - 1) & ~(SnapshotCodec.PAGE - 1);
            extents.add(new MemoryExtent(start, Math.min(end, size) - start));
            offset = end;
        }
        return List.copyOf(extents);
    }

    /**
     * Writes the {@code extents} of {@code memory} into a new {@code file} of the memory's size. The bytes go from
     * the memfd to the file inside the kernel (FileChannel.transferTo: copy_file_range or sendfile), not through the
     * mapping.
     */
    static void save(GuestMemory memory, List<MemoryExtent> extents, Path file) throws IOException {
        try (FileChannel source = FileChannel.open(memfdPath(memory), StandardOpenOption.READ);
             FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (MemoryExtent extent : extents) {
                out.position(extent.offset());
                copy(source, extent.offset(), extent.length(), out, "memfd");
            }
            // The holes after the last extent: the file is as long as the memory, whatever the guest touched.
            if (out.size() < memory.size()) {
                out.write(ByteBuffer.wrap(new byte[1]), memory.size() - 1);
            }
        }
    }

    /**
     * Copies the {@code extents} of {@code file} into {@code memory} (fresh, so zero elsewhere). The copy goes from
     * the file into the memfd inside the kernel, not through the VMM's mapping: no page fault per page here (which
     * costs most under nested virtualization), and the guest's first touch of each page maps it as on a cold boot.
     */
    static void restore(Path file, List<MemoryExtent> extents, GuestMemory memory) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
             FileChannel target = FileChannel.open(memfdPath(memory), StandardOpenOption.WRITE)) {
            if (in.size() != memory.size()) {
                throw new SnapshotException.Corrupt("memory file", "it has " + in.size() + " bytes, the snapshot's"
                        + " memory " + memory.size());
            }
            for (MemoryExtent extent : extents) {
                target.position(extent.offset());
                copy(in, extent.offset(), extent.length(), target, "memory file");
            }
        }
    }

    /** {@code length} bytes of {@code from} at {@code offset} to {@code to} at its position. */
    private static void copy(FileChannel from, long offset, long length, FileChannel to, String what)
            throws IOException {
        long done = 0;
        while (done < length) {
            long n = from.transferTo(offset + done, Math.min(CHUNK, length - done), to);
            if (n <= 0) {
                throw new SnapshotException.Corrupt(what, "it ends at " + (offset + done));
            }
            done += n;
        }
    }

    /** The memfd, opened again through /proc (a memfd is a plain shmem file there). */
    private static Path memfdPath(GuestMemory memory) {
        return Path.of("/proc/self/fd/" + memory.fd().get());
    }
}
