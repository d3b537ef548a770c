package io.katacontainers.hypervisor.kvm.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest memory to a sparse file and back: only the pages the guest wrote are stored, a restore into fresh memory
 * gives the same bytes everywhere, and the saved file is only read.
 */
class MemoryImageTest {
    @TempDir
    Path dir;

    @Test
    void writtenPagesRoundTripAndUntouchedOnesStayHoles() throws Exception {
        long size = 16L << 20;
        Path file = dir.resolve("memory");
        try (GuestMemory saved = GuestMemory.create("image-test-saved", size)) {
            saved.writeLong(0x10, 0x1122334455667788L);
            saved.writeInt(0x1000 + 4092, 0xcafebabe);
            saved.writeByte(0x80_0000, (byte) 7);
            saved.writeLong(size - 8, -1L);
            List<MemoryExtent> extents = MemoryImage.dataExtents(saved);
            assertEquals(List.of(new MemoryExtent(0, 0x2000), new MemoryExtent(0x80_0000, 0x1000),
                    new MemoryExtent(size - 0x1000, 0x1000)), extents);
            MemoryImage.save(saved, extents, file);
            assertEquals(size, Files.size(file));
            long before = Files.getLastModifiedTime(file).toMillis();

            try (GuestMemory restored = GuestMemory.create("image-test-restored", size)) {
                MemoryImage.restore(file, extents, restored);
                // Before reading through the mapping: a read fault of a memfd page allocates it.
                assertEquals(extents, MemoryImage.dataExtents(restored), "no page touched beyond the saved ones");
                assertEquals(-1, mismatch(saved, restored), "every byte as saved");
            }
            assertEquals(before, Files.getLastModifiedTime(file).toMillis(), "the image was only read");
        }
    }

    @Test
    void aMemoryFileOfAnotherSizeIsRefused() throws Exception {
        Path file = dir.resolve("memory");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(new byte[4096]));
        }
        try (GuestMemory memory = GuestMemory.create("image-test-short", 1 << 20)) {
            SnapshotException.Corrupt e = assertThrows(SnapshotException.Corrupt.class,
                    () -> MemoryImage.restore(file, List.of(new MemoryExtent(0, 4096)), memory));
            assertEquals("memory file", e.field());
            assertTrue(e.getMessage().contains("4096 bytes"), e.getMessage());
        }
    }

    private static long mismatch(GuestMemory a, GuestMemory b) {
        MemorySegment x = a.regions().getFirst().host();
        MemorySegment y = b.regions().getFirst().host();
        return x.mismatch(y);
    }
}
