package io.katacontainers.hypervisor.kvm.snapshot;

import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
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
    /** Chunks of at most this many bytes per read or write call (ByteBuffers are int-indexed). */
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

    /** Writes the {@code extents} of {@code memory} into a new {@code file} of the memory's size. */
    static void save(GuestMemory memory, List<MemoryExtent> extents, Path file) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (MemoryExtent extent : extents) {
                forEachPiece(memory, extent, (segment, fileOffset) -> {
                    ByteBuffer buffer = segment.asByteBuffer();
                    long position = fileOffset;
                    while (buffer.hasRemaining()) {
                        position += out.write(buffer, position);
                    }
                });
            }
            // The holes after the last extent: the file is as long as the memory, whatever the guest touched.
            if (out.size() < memory.size()) {
                out.write(ByteBuffer.wrap(new byte[1]), memory.size() - 1);
            }
        }
    }

    /** Copies the {@code extents} of {@code file} into {@code memory} (fresh, so zero elsewhere). */
    static void restore(Path file, List<MemoryExtent> extents, GuestMemory memory) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            if (in.size() != memory.size()) {
                throw new SnapshotException.Corrupt("memory file", "it has " + in.size() + " bytes, the snapshot's"
                        + " memory " + memory.size());
            }
            for (MemoryExtent extent : extents) {
                forEachPiece(memory, extent, (segment, fileOffset) -> {
                    ByteBuffer buffer = segment.asByteBuffer();
                    long position = fileOffset;
                    while (buffer.hasRemaining()) {
                        int n = in.read(buffer, position);
                        if (n < 0) {
                            throw new SnapshotException.Corrupt("memory file", "it ends at " + position);
                        }
                        position += n;
                    }
                });
            }
        }
    }

    @FunctionalInterface
    private interface Piece {
        void accept(MemorySegment segment, long fileOffset) throws IOException;
    }

    /** The host memory of {@code extent}, region by region and in chunks, with the file offset of each piece. */
    private static void forEachPiece(GuestMemory memory, MemoryExtent extent, Piece piece) throws IOException {
        for (GuestMemory.Region region : memory.regions()) {
            long start = Math.max(extent.offset(), region.fileOffset());
            long end = Math.min(extent.end(), region.fileOffset() + region.size());
            for (long at = start; at < end; at += CHUNK) {
                long length = Math.min(CHUNK, end - at);
                piece.accept(region.host().asSlice(at - region.fileOffset(), length), at);
            }
        }
    }
}
