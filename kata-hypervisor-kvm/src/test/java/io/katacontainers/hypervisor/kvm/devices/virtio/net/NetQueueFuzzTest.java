package io.katacontainers.hypervisor.kvm.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A hostile guest against virtio-net, with a SOCK_SEQPACKET socket standing in for the tap (one frame per message,
 * like a tap) and a hostile peer on it: each round resets the device, lays well-formed RX and TX chains into fresh
 * rings, mutates a few descriptor fields and ring indexes (addresses at the RAM edges or anywhere, lengths up to
 * 4 GiB, loops, bad flags), writes frames of every size and header to the socket and kicks. Whatever happens, the
 * device must never fail internally, never send the peer a frame outside the bounds or with offload bits, never
 * report more RX bytes than a frame can have, and either keep running or ask for a reset. The seed is fixed; a
 * failure names the round.
 */
class NetQueueFuzzTest {
    private static final long SEED = 0x6e6574L;
    private static final int ROUNDS = 3000;
    private static final int QUEUE_SIZE = 64;
    private static final long RAM = 8 << 20;
    private static final int HEADER = NetQueues.HEADER_SIZE;
    private static final int MTU = 1500;
    private static final int MIN_FRAME = HEADER + NetQueues.MIN_ETHERNET;
    private static final int MAX_FRAME = HEADER + NetQueues.MAX_ETHERNET;
    /** Buffers of well-formed chains live here: away from the rings at 64 KiB to 192 KiB. */
    private static final long BUFFERS = 0x100000;

    private final Random random = new Random(SEED);
    private GuestMemory memory;
    private EventLoop loop;
    private MmioTransport transport;
    private NetDevice device;
    private Fd peer;
    private final short[] usedSeen = new short[2];
    private int resets;
    private long peerFrames;

    @Test
    void hostileRingsAndFramesNeverBreakTheDevice() throws Exception {
        Fd[] pair = TestNetns.seqpacketPair();
        peer = pair[1];
        try (Fd p = peer; GuestMemory m = GuestMemory.create("net-fuzz", RAM);
             EventLoop l = EventLoop.start("virtio-net-fuzz"); Arena arena = Arena.ofConfined()) {
            memory = m;
            loop = l;
            Pipes.setNonBlocking(peer.get());
            device = NetDevice.onFrameDescriptor(pair[0], "02:00:00:00:00:99", MTU);
            transport = new MmioTransport("net@fuzz", device, memory, loop);
            try {
                MemorySegment inbox = arena.allocate(NetQueues.MAX_FRAME + 1024);
                for (int round = 0; round < ROUNDS; round++) {
                    try {
                        round(inbox);
                    } catch (RuntimeException | AssertionError e) {
                        fail("round " + round + " (seed 0x" + Long.toHexString(SEED) + "): " + e, e);
                    }
                }
                Counts stats = awaitPeer(inbox);
                String summary = stats + ", resets " + resets + ", frames at the peer " + peerFrames;
                System.out.println("virtio-net fuzz, " + ROUNDS + " rounds: " + summary);
                assertEquals(0, stats.internalErrors(), summary);
                assertTrue(stats.txFrames() > ROUNDS / 4 && stats.txDropped() > ROUNDS / 20, summary);
                assertTrue(stats.rxFrames() > ROUNDS / 4 && stats.rxDropped() > ROUNDS / 20, summary);
                assertTrue(resets > ROUNDS / 50, "broken rings made the device ask for a reset: " + summary);
                assertEquals(stats.txFrames(), peerFrames, "every frame sent reached the peer once: " + summary);
                cleanRoundTrip(inbox);
            } finally {
                transport.close();
            }
        }
    }

    private void round(MemorySegment inbox) throws Exception {
        transport.write(MmioTransport.STATUS, 4, 0);
        GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
        driver.start(device.features());
        usedSeen[0] = 0;
        usedSeen[1] = 0;
        for (int q = 0; q < 2; q++) {
            int published = random.nextInt(QUEUE_SIZE / 2);
            int nextFree = 0;
            long table = GuestDriver.descriptorTable(q);
            long avail = table + GuestDriver.AVAIL_OFFSET;
            for (int c = 0; c < published && nextFree < QUEUE_SIZE - 4; c++) {
                int head = nextFree;
                int n = 1 + random.nextInt(3);
                if (random.nextInt(5) == 0) {
                    long indirect = BUFFERS - 0x10000 + random.nextInt(32) * 0x400L;
                    writeChain(indirect, 0, n, q == NetQueues.RX);
                    GuestDriver.writeDescriptor(memory, table, head, indirect, 16 * n, 4, 0);
                    nextFree++;
                } else {
                    writeChain(table, head, n, q == NetQueues.RX);
                    nextFree += n;
                }
                memory.writeShort(avail + 4 + 2L * c, (short) head);
                memory.writeShort(avail + 2, (short) (c + 1));
            }
            for (int mutations = random.nextInt(4); mutations > 0; mutations--) {
                mutate(table, avail);
            }
        }
        for (int frames = random.nextInt(4); frames > 0; frames--) {
            sendFromPeer();
        }
        if (random.nextBoolean()) {
            driver.kick(NetQueues.TX);
        }
        if (random.nextInt(4) != 0) {
            driver.kick(NetQueues.RX);
        }
        // Two barriers: the kicks and frames were pending before the second one was handed over.
        loop.call(() -> null);
        loop.call(() -> null);
        assertEquals(0, (long) loop.call(() -> device.stats().internalErrors), "internal errors");
        int status = transport.status();
        assertTrue(status == 0x0f || status == (0x0f | Virtio.STATUS_DEVICE_NEEDS_RESET),
                "status 0x" + Integer.toHexString(status));
        if ((status & Virtio.STATUS_DEVICE_NEEDS_RESET) != 0) {
            resets++;
        }
        checkUsed(NetQueues.RX);
        checkUsed(NetQueues.TX);
        drainPeer(inbox);
    }

    /** {@code n} descriptors from {@code first}: RX writable (the first sometimes readable), TX readable. */
    private void writeChain(long table, int first, int n, boolean rx) {
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            // Legal orders (readable buffers first), with the odd buffer in the wrong direction for the queue.
            boolean writable = rx ? (i > 0 || random.nextInt(10) != 0) : last && i > 0 && random.nextInt(10) == 0;
            int length = random.nextInt(8) == 0 ? random.nextInt(70_000) : random.nextInt(1600);
            long address = BUFFERS + random.nextInt(0x200000);
            if (!rx) {
                fillTxBuffer(address, length, i == 0);
            }
            GuestDriver.writeDescriptor(memory, table, first + i, address, length,
                    (writable ? 2 : 0) | (last ? 0 : 1), last ? 0 : first + i + 1);
        }
    }

    /** Random bytes; a first buffer mostly starts with a zero header, so most frames are good ones. */
    private void fillTxBuffer(long address, int length, boolean first) {
        byte[] bytes = new byte[Math.min(length, 64)];
        random.nextBytes(bytes);
        if (first && random.nextInt(5) != 0) {
            Arrays.fill(bytes, 0, Math.min(bytes.length, HEADER), (byte) 0);
        }
        memory.write(address, bytes, 0, bytes.length);
    }

    private void mutate(long table, long avail) {
        long entry = table + 16L * random.nextInt(QUEUE_SIZE);
        switch (random.nextInt(7)) {
            case 0 -> memory.writeLong(entry, hostileAddress());
            case 1 -> memory.writeInt(entry + 8, random.nextBoolean() ? random.nextInt() : random.nextInt(200_000));
            case 2 -> memory.writeShort(entry + 12, (short) random.nextInt(8));
            case 3 -> memory.writeShort(entry + 14, (short) random.nextInt(QUEUE_SIZE + 4));
            case 4 -> memory.writeShort(avail + 2, (short) random.nextInt(1 << 16));
            case 5 -> memory.writeShort(avail + 4 + 2L * random.nextInt(QUEUE_SIZE),
                    (short) random.nextInt(QUEUE_SIZE + 4));
            default -> memory.writeInt(entry + 8, 0);
        }
    }

    /** Near the end of RAM, beyond it, or anywhere in 64 bits; never on the rings the test reads back. */
    private long hostileAddress() {
        return switch (random.nextInt(3)) {
            case 0 -> RAM - random.nextInt(0x20000);
            case 1 -> RAM + random.nextInt(0x20000) - 0x100;
            default -> random.nextLong();
        };
    }

    /** A frame of any size from the peer, mostly with a zero header. */
    private void sendFromPeer() throws SyscallException {
        int length = switch (random.nextInt(6)) {
            case 0 -> random.nextInt(MIN_FRAME);
            case 1 -> MAX_FRAME - 8 + random.nextInt(40);
            default -> MIN_FRAME + random.nextInt(1600);
        };
        byte[] frame = new byte[length];
        random.nextBytes(frame);
        if (random.nextInt(5) != 0) {
            Arrays.fill(frame, 0, Math.min(length, HEADER), (byte) 0);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(Math.max(1, length));
            MemorySegment.copy(frame, 0, message, ValueLayout.JAVA_BYTE, 0, length);
            Libc.write(peer.get(), message.asSlice(0, length));
        } catch (SyscallException e) {
            if (!e.is(Errno.EAGAIN)) {
                throw e;
            }
        }
    }

    private void checkUsed(int queue) {
        long used = GuestDriver.descriptorTable(queue) + GuestDriver.USED_OFFSET;
        short index = memory.readShort(used + 2);
        while (usedSeen[queue] != index) {
            int slot = Short.toUnsignedInt(usedSeen[queue]) % QUEUE_SIZE;
            int head = memory.readInt(used + 4 + 8L * slot);
            int length = memory.readInt(used + 8 + 8L * slot);
            assertTrue(head >= 0 && head < QUEUE_SIZE, "used head " + head);
            if (queue == NetQueues.TX) {
                assertEquals(0, length, "TX chains come back with nothing written");
            } else {
                assertTrue(length == 0 || (length >= MIN_FRAME && length <= MAX_FRAME), "RX used length " + length);
            }
            usedSeen[queue]++;
        }
    }

    /** The device's counters, copied on its event loop (the only thread that may read them). */
    private record Counts(long rxFrames, long rxDropped, long txFrames, long txDropped, long internalErrors) {
        @Override
        public String toString() {
            return "rx " + rxFrames + " (dropped " + rxDropped + "), tx " + txFrames + " (dropped " + txDropped
                    + "), internal errors " + internalErrors;
        }
    }

    private Counts counts() throws Exception {
        return loop.call(() -> {
            NetStats stats = device.stats();
            return new Counts(stats.rxFrames, stats.rxDropped, stats.txFrames, stats.txDropped,
                    stats.internalErrors);
        });
    }

    /**
     * The device's counts once the peer holds every frame the device sent and nothing more is on its way: a TX
     * that a full socket held back resumes when the peer drains it, so equal counts alone do not mean done; they
     * must also hold after a quiet poll interval (bounded).
     */
    private Counts awaitPeer(MemorySegment inbox) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            drainPeer(inbox);
            Counts counts = counts();
            boolean quiet = Poll.poll(peer.get(), Poll.POLLIN, 200) == 0;
            if ((quiet && counts.txFrames() == peerFrames && counts().equals(counts))
                    || System.nanoTime() > deadline) {
                drainPeer(inbox);
                return counts();
            }
        }
    }

    private void drainPeer(MemorySegment inbox) throws SyscallException {
        while (true) {
            long n;
            try {
                n = Libc.read(peer.get(), inbox);
            } catch (SyscallException e) {
                if (e.is(Errno.EAGAIN)) {
                    return;
                }
                throw e;
            }
            assertTrue(n >= MIN_FRAME && n <= HEADER + MTU + NetQueues.VLAN_ETHERNET,
                    "the peer got a frame of " + n + " bytes, beyond the MTU");
            assertEquals(0, inbox.get(ValueLayout.JAVA_BYTE, 0), "flags");
            assertEquals(0, inbox.get(ValueLayout.JAVA_BYTE, 1), "gso_type");
            peerFrames++;
        }
    }

    /** After all that, a well-behaved driver still gets a frame through each way. */
    private void cleanRoundTrip(MemorySegment inbox) throws Exception {
        drainPeer(inbox);
        transport.write(MmioTransport.STATUS, 4, 0);
        GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
        driver.start(device.features());
        // Frames the fuzzing left in the socket go to the guest first: give it room for all of them.
        long[] rx = new long[QUEUE_SIZE];
        for (int i = 0; i < QUEUE_SIZE; i++) {
            rx[i] = driver.allocate(MAX_FRAME);
            driver.submit(NetQueues.RX, Buffer.out(rx[i], MAX_FRAME));
        }
        driver.kick(NetQueues.RX);
        loop.call(() -> null);
        loop.call(() -> null);
        int before = driver.takeUsed(NetQueues.RX).size();
        byte[] frame = new byte[HEADER + 60];
        new Random(1).nextBytes(frame);
        Arrays.fill(frame, 0, HEADER, (byte) 0);
        try (Arena arena = Arena.ofConfined()) {
            Libc.write(peer.get(), arena.allocateFrom(ValueLayout.JAVA_BYTE, frame));
        }
        GuestDriver.Used used = driver.awaitUsed(NetQueues.RX);
        assertEquals(frame.length, used.length());
        byte[] got = new byte[frame.length];
        memory.read(rx[before], got, 0, got.length);
        byte[] expected = frame.clone();
        expected[10] = 1;
        assertArrayEquals(expected, got, "the frame, with num_buffers 1");
        long tx = driver.allocate(frame.length);
        memory.write(tx, frame, 0, frame.length);
        driver.submit(NetQueues.TX, Buffer.in(tx, frame.length));
        driver.kick(NetQueues.TX);
        driver.awaitUsed(NetQueues.TX);
        long n = Libc.read(peer.get(), inbox);
        assertEquals(frame.length, n);
        assertArrayEquals(frame, inbox.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
    }
}
