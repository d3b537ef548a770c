package io.katacontainers.hypervisor.kvm.vstate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestMemoryTest {
    private static final long MIB = 1 << 20;

    @Test
    void smallMemoryIsOneRegionFromZero() throws Exception {
        try (GuestMemory memory = GuestMemory.create("test", 16 * MIB)) {
            assertEquals(1, memory.regions().size());
            assertEquals(0, memory.regions().getFirst().guestAddress());
            assertEquals(16 * MIB, memory.size());
            memory.writeLong(16 * MIB - 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, memory.readLong(16 * MIB - 8));
            assertEquals((byte) 0x88, memory.readByte(16 * MIB - 8), "little-endian");
        }
    }

    @Test
    void memoryAboveTheHoleContinuesAtFourGiB() throws Exception {
        long size = GuestMemory.MMIO_HOLE_START + 8 * MIB;
        try (GuestMemory memory = GuestMemory.create("test", size)) {
            assertEquals(2, memory.regions().size());
            GuestMemory.Region high = memory.regions().get(1);
            assertEquals(GuestMemory.HIGH_RAM_START, high.guestAddress());
            assertEquals(GuestMemory.MMIO_HOLE_START, high.fileOffset());
            assertEquals(8 * MIB, high.size());
            memory.writeInt(GuestMemory.HIGH_RAM_START, 42);
            assertEquals(42, memory.readInt(GuestMemory.HIGH_RAM_START));
            assertFalse(memory.contains(GuestMemory.MMIO_HOLE_START, 1), "the hole is not RAM");
            assertThrows(GuestMemoryException.class, () -> memory.readInt(GuestMemory.MMIO_HOLE_START - 2),
                    "an access may not run into the hole");
        }
    }

    @Test
    void hostileAddressesAndLengthsAreRefused() throws Exception {
        try (GuestMemory memory = GuestMemory.create("test", MIB)) {
            assertTrue(memory.contains(0, MIB));
            assertFalse(memory.contains(1, MIB));
            assertFalse(memory.contains(-1, 1), "addresses at or above 2^63");
            assertFalse(memory.contains(0, -1), "negative lengths");
            assertFalse(memory.contains(Long.MAX_VALUE, 2), "overflowing ends");
            assertThrows(GuestMemoryException.class, () -> memory.slice(MIB - 4, 8));
            assertThrows(GuestMemoryException.class, () -> memory.write(MIB, new byte[1], 0, 1));
        }
    }

    @Test
    void bulkCopiesRoundTripAndClosedMemoryIsUnreachable() throws Exception {
        GuestMemory memory = GuestMemory.create("test", MIB);
        byte[] data = new byte[4096];
        Arrays.fill(data, (byte) 7);
        memory.write(8192, data, 0, data.length);
        byte[] back = new byte[4096];
        memory.read(8192, back, 0, back.length);
        assertArrayEquals(data, back);
        memory.close();
        assertThrows(IllegalStateException.class, () -> memory.readByte(0));
    }
}
