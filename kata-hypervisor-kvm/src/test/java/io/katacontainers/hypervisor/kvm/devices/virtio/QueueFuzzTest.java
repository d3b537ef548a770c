package io.katacontainers.hypervisor.kvm.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * A hostile guest writing random rings and descriptor tables into real guest memory (two regions around the 32-bit
 * hole): parsing must either yield chains whose every buffer lies inside one RAM region or report
 * {@link InvalidQueueException}; nothing else may escape. Each iteration starts from well-formed chains (direct and
 * indirect) and mutates a few fields, so both the happy path and each check get exercised. The seed is fixed; a
 * failure message names the iteration to replay.
 */
class QueueFuzzTest {
    private static final long SEED = 0x6b617461L;
    private static final int ITERATIONS = 20_000;
    private static final long MIB = 1 << 20;

    private final Random random = new Random(SEED);
    private long[] edges;

    @Test
    void randomRingsNeverEscapeAsAnythingButInvalidQueue() throws Exception {
        long low = GuestMemory.MMIO_HOLE_START;
        try (GuestMemory memory = GuestMemory.create("queue-fuzz", low + 2 * MIB)) {
            long highEnd = GuestMemory.HIGH_RAM_START + 2 * MIB;
            edges = new long[] {0, 0x10000, low - MIB, low, GuestMemory.HIGH_RAM_START, highEnd - 4096, highEnd};
            int chains = 0;
            int indirect = 0;
            int refused = 0;
            for (int iteration = 0; iteration < ITERATIONS; iteration++) {
                try {
                    int[] counts = iterate(memory);
                    chains += counts[0];
                    indirect += counts[1];
                    refused += counts[2];
                } catch (RuntimeException | AssertionError e) {
                    fail("iteration " + iteration + " (seed 0x" + Long.toHexString(SEED) + ") let "
                            + e.getClass().getName() + " escape: " + e.getMessage(), e);
                }
            }
            assertTrue(chains > ITERATIONS, "well-formed chains parsed: " + chains);
            assertTrue(indirect > ITERATIONS / 10, "indirect chains parsed: " + indirect);
            assertTrue(refused > ITERATIONS / 2, "broken rings refused: " + refused);
        }
    }

    /** One queue setup with some chains; returns {chains, indirect chains, refusals}. */
    private int[] iterate(GuestMemory memory) {
        int size = 1 << random.nextInt(9);
        Queue queue = new Queue(256);
        queue.setSize(size);
        long base = random.nextInt(8) == 0 ? address(memory) & ~0xfL : 0x10000 + random.nextInt(64) * 0x1000L;
        long desc = base;
        long avail = base + 16L * size;
        long used = (avail + 6 + 2L * size + 3) & ~3L;
        queue.setDescriptorTable(desc);
        queue.setAvailableRing(avail);
        queue.setUsedRing(used);
        try {
            queue.activate(memory);
        } catch (InvalidQueueException e) {
            return new int[] {0, 0, 1};
        }
        int published = 1 + random.nextInt(size);
        int slot = 0;
        int nextFree = 0;
        for (int c = 0; c < published && nextFree < size; c++) {
            int head = nextFree;
            if (random.nextInt(4) == 0) {
                int n = 1 + random.nextInt(8);
                long table = 0x200000 + random.nextInt(32) * 0x1000L;
                writeChain(memory, table, 0, n);
                GuestDriver.writeDescriptor(memory, desc, head, table, 16 * n, DescriptorChain.F_INDIRECT, 0);
                nextFree++;
            } else {
                int n = 1 + random.nextInt(Math.min(4, size - nextFree));
                writeChain(memory, desc, head, n);
                nextFree += n;
            }
            memory.writeShort(avail + 4 + 2L * slot++, (short) head);
        }
        memory.writeShort(avail + 2, (short) slot);
        for (int m = random.nextInt(6); m > 0; m--) {
            mutate(memory, desc, size, avail);
        }
        int chains = 0;
        int indirect = 0;
        for (int i = 0; i < 2 * size; i++) {
            DescriptorChain chain;
            try {
                chain = queue.pop();
            } catch (InvalidQueueException e) {
                return new int[] {chains, indirect, 1};
            }
            if (chain == null) {
                break;
            }
            chains++;
            long entry = desc + 16L * chain.head();
            if (memory.contains(entry, 16) && (memory.readShort(entry + 12) & DescriptorChain.F_INDIRECT) != 0) {
                indirect++;
            }
            use(memory, chain);
            try {
                queue.addUsed(chain.head(), chain.writable().remaining());
            } catch (InvalidQueueException e) {
                return new int[] {chains, indirect, 1};
            }
        }
        return new int[] {chains, indirect, 0};
    }

    /** A chain of {@code n} descriptors from {@code first}, readable ones then writable, with random buffers. */
    private void writeChain(GuestMemory memory, long table, int first, int n) {
        int firstWritable = random.nextInt(n + 1);
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            int flags = (i >= firstWritable ? DescriptorChain.F_WRITE : 0) | (last ? 0 : DescriptorChain.F_NEXT);
            GuestDriver.writeDescriptor(memory, table, first + i, 0x300000 + random.nextInt(0x10000),
                    random.nextInt(4096), flags, last ? 0 : first + i + 1);
        }
    }

    /** Overwrites one field of the table or the available ring with a hostile value. */
    private void mutate(GuestMemory memory, long desc, int size, long avail) {
        long entry = desc + 16L * random.nextInt(size);
        switch (random.nextInt(7)) {
            case 0 -> memory.writeLong(entry, address(memory));
            case 1 -> memory.writeInt(entry + 8, random.nextBoolean() ? random.nextInt() : random.nextInt(64) * 16);
            case 2 -> memory.writeShort(entry + 12, (short) random.nextInt(8));
            case 3 -> memory.writeShort(entry + 14, (short) random.nextInt(size + 4));
            case 4 -> memory.writeShort(avail + 2, (short) random.nextInt(1 << 16));
            case 5 -> memory.writeShort(avail + 4 + 2L * random.nextInt(size), (short) random.nextInt(size + 4));
            default -> memory.writeInt(entry + 8, 0);
        }
    }

    /** An address near one of the RAM edges, or anywhere in the 64-bit space. */
    private long address(GuestMemory memory) {
        if (random.nextInt(4) == 0) {
            return random.nextLong();
        }
        return edges[random.nextInt(edges.length)] + random.nextInt(8192) - 4096;
    }

    /**
     * Touches both ends of every buffer the chain grants, through the cursors a device uses, after checking each
     * buffer against RAM (only the ends: a mutated length may grant gigabytes, all of which is legal guest RAM).
     */
    private static void use(GuestMemory memory, DescriptorChain chain) {
        for (Descriptor d : chain.descriptors()) {
            assertTrue(memory.contains(d.address(), d.length()),
                    String.format("buffer 0x%x+%d outside RAM", d.address(), d.length()));
        }
        ChainCursor in = chain.readable();
        for (MemorySegment s = in.next(Long.MAX_VALUE); s.byteSize() > 0; s = in.next(Long.MAX_VALUE)) {
            s.get(ValueLayout.JAVA_BYTE, 0);
            s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1);
        }
        ChainCursor out = chain.writable();
        for (MemorySegment s = out.next(Long.MAX_VALUE); s.byteSize() > 0; s = out.next(Long.MAX_VALUE)) {
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5a);
            s.set(ValueLayout.JAVA_BYTE, s.byteSize() - 1, (byte) 0xa5);
        }
    }
}
