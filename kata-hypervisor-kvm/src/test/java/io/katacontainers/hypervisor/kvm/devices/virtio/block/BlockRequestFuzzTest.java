package io.katacontainers.hypervisor.kvm.devices.virtio.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile guest's virtio-blk requests in well-formed rings: random types (known and not), sectors at and past the
 * end and overflowing, headers split or too short or writable, data buffers of any length and direction, missing,
 * read-only or oversized status buffers, on a read-only disk. Every request must come back in the used ring (the
 * device never stalls or stops), with a used length within the chain's writable bytes; the image file keeps its
 * size and content, and guest memory outside the chains (a canary) is never written. The seed is fixed; a failure
 * names the request.
 */
class BlockRequestFuzzTest {
    private static final long SEED = 0x626c6b66L;
    private static final int REQUESTS = 1500;
    private static final int DISK = 64 * 1024;
    private static final int POOL = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void randomRequestsAlwaysComeBackAndNeverTouchWhatTheyShouldNot() throws Exception {
        Random random = new Random(SEED);
        byte[] content = new byte[DISK];
        random.nextBytes(content);
        Path image = Files.write(dir.resolve("disk.img"), content);
        try (GuestMemory memory = GuestMemory.create("blk-fuzz", 4 << 20);
             EventLoop loop = EventLoop.start("virtio-blk-fuzz");
             MmioTransport transport = new MmioTransport("blk@fuzz", BlockDevice.open(image, true, "fuzz"),
                        memory, loop)) {
            GuestDriver driver = new GuestDriver(memory, transport, 64);
            driver.start(transport.device().features());
            long pool = driver.allocate(POOL);
            long canary = driver.allocate(4096);
            byte[] pattern = new byte[4096];
            random.nextBytes(pattern);
            memory.write(canary, pattern, 0, pattern.length);
            int[] statuses = new int[256];
            for (int r = 0; r < REQUESTS; r++) {
                List<Buffer> chain = randomChain(random, memory, pool);
                int head = driver.submit(0, chain.toArray(Buffer[]::new));
                driver.kick(0);
                GuestDriver.Used used = driver.awaitUsed(0);
                String what = "request " + r + " (seed 0x" + Long.toHexString(SEED) + ") " + chain;
                assertEquals(head, used.head(), what);
                long writable = chain.stream().filter(Buffer::writable).mapToLong(Buffer::length).sum();
                assertTrue(used.length() >= 0 && used.length() <= writable, "used length " + used.length() + ": "
                        + what);
                Buffer last = chain.getLast();
                if (last.writable() && last.length() == 1 && used.length() > 0) {
                    statuses[memory.readByte(last.address()) & 0xff]++;
                }
            }
            assertEquals(0x0f, transport.status() & 0x4f, "the device carries on, never NEEDS_RESET");
            byte[] after = new byte[pattern.length];
            memory.read(canary, after, 0, after.length);
            assertArrayEquals(pattern, after, "memory outside every chain is untouched");
            assertTrue(statuses[Request.S_OK] > 0 && statuses[Request.S_IOERR] > 0 && statuses[Request.S_UNSUPP] > 0,
                    "the fuzz reached success and both refusals: ok " + statuses[Request.S_OK] + ", ioerr "
                            + statuses[Request.S_IOERR] + ", unsupp " + statuses[Request.S_UNSUPP]);
        }
        assertArrayEquals(content, Files.readAllBytes(image), "a read-only disk is never written");
    }

    /** A header (maybe split, short or writable), up to 3 data buffers, and a status buffer (maybe wrong). */
    private static List<Buffer> randomChain(Random random, GuestMemory memory, long pool) {
        int[] types = {Request.T_IN, Request.T_OUT, Request.T_FLUSH, Request.T_GET_ID, random.nextInt()};
        long[] sectors = {0, 1, DISK / 512 - 1, DISK / 512, DISK / 512 + 1, Long.MAX_VALUE / 256, -1L,
                random.nextLong(), random.nextInt(DISK / 512)};
        byte[] header = ByteBuffer.allocate(Request.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, types[random.nextInt(types.length)]).putInt(4, random.nextInt())
                .putLong(8, sectors[random.nextInt(sectors.length)]).array();
        long cursor = pool;
        List<Buffer> chain = new ArrayList<>();
        int headerLength = random.nextInt(8) == 0 ? random.nextInt(Request.HEADER_SIZE) + 1 : Request.HEADER_SIZE;
        memory.write(cursor, header, 0, Math.min(headerLength, header.length));
        boolean headerWritable = random.nextInt(16) == 0;
        if (random.nextInt(4) == 0 && headerLength > 1) {
            int split = 1 + random.nextInt(headerLength - 1);
            chain.add(new Buffer(cursor, split, headerWritable));
            chain.add(new Buffer(cursor + split, headerLength - split, headerWritable));
        } else {
            chain.add(new Buffer(cursor, headerLength, headerWritable));
        }
        cursor += 64;
        int[] lengths = {512, 1024, 100, 1, 4096, 0, 513, 8192};
        for (int d = random.nextInt(4); d > 0; d--) {
            int length = lengths[random.nextInt(lengths.length)];
            if (length == 0) {
                continue;
            }
            chain.add(new Buffer(cursor, length, random.nextBoolean()));
            cursor += (length + 15) & ~15;
        }
        switch (random.nextInt(6)) {
            case 0 -> { } // no status buffer
            case 1 -> chain.add(Buffer.in(cursor, 1)); // a read-only status
            case 2 -> chain.add(Buffer.out(cursor, 1 + random.nextInt(16))); // an oversized one
            default -> chain.add(Buffer.out(cursor, 1));
        }
        // Device-readable buffers before device-writable ones, as a chain must be: a chain out of that order is a
        // broken ring, which the queue layer refuses (DEVICE_NEEDS_RESET; QueueFuzzTest covers it). Here the
        // contents are hostile, the ring is not.
        chain.sort(java.util.Comparator.comparing(Buffer::writable));
        return chain;
    }
}
