package io.katacontainers.hypervisor.kvm.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Split-virtqueue parsing: well-formed direct and indirect chains, and each way a guest can break one. */
class QueueTest {
    private static final int SIZE = 8;
    private static final long DESC = 0x1000;
    private static final long AVAIL = 0x2000;
    private static final long USED = 0x3000;

    private GuestMemory memory;
    private Queue queue;
    private short availIndex;

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.create("queue-test", 1 << 20);
        queue = new Queue(SIZE);
        queue.setDescriptorTable(DESC);
        queue.setAvailableRing(AVAIL);
        queue.setUsedRing(USED);
        queue.setReady(true);
        queue.activate(memory);
    }

    @AfterEach
    void tearDown() throws Exception {
        memory.close();
    }

    private void descriptor(long table, int index, long address, int length, int flags, int next) {
        GuestDriver.writeDescriptor(memory, table, index, address, length, flags, next);
    }

    private void publish(int head) {
        memory.writeShort(AVAIL + 4 + 2L * (availIndex % SIZE), (short) head);
        availIndex++;
        memory.writeShort(AVAIL + 2, availIndex);
    }

    @Test
    void directChainSplitsIntoReadableThenWritableBuffers() throws Exception {
        byte[] hello = "hello, device".getBytes(StandardCharsets.US_ASCII);
        memory.write(0x10000, hello, 0, 5);
        memory.write(0x20000, hello, 5, hello.length - 5);
        descriptor(DESC, 3, 0x10000, 5, DescriptorChain.F_NEXT, 5);
        descriptor(DESC, 5, 0x20000, hello.length - 5, DescriptorChain.F_NEXT, 1);
        descriptor(DESC, 1, 0x30000, 100, DescriptorChain.F_WRITE, 0);
        publish(3);
        assertTrue(queue.hasAvailable());

        DescriptorChain chain = queue.pop();
        assertEquals(3, chain.head());
        assertEquals(3, chain.descriptors().size());
        ChainCursor in = chain.readable();
        assertEquals(hello.length, in.remaining());
        byte[] read = new byte[hello.length];
        assertEquals(hello.length, in.read(read, 0, read.length));
        assertArrayEquals(hello, read, "read across two buffers");
        ChainCursor out = chain.writable();
        assertEquals(100, out.remaining());
        assertEquals(2, out.write(new byte[] {7, 8}, 0, 2));
        assertEquals(7, memory.readByte(0x30000));

        assertNull(queue.pop(), "nothing more available");
        queue.addUsed(chain.head(), 2);
        assertEquals(1, memory.readShort(USED + 2), "used index published");
        assertEquals(3, memory.readInt(USED + 4));
        assertEquals(2, memory.readInt(USED + 8));
    }

    @Test
    void indirectTableIsFollowed() throws Exception {
        long table = 0x40000;
        descriptor(table, 0, 0x10000, 16, DescriptorChain.F_NEXT, 2);
        descriptor(table, 2, 0x11000, 32, DescriptorChain.F_WRITE, 0);
        descriptor(DESC, 0, table, 48, DescriptorChain.F_INDIRECT, 0);
        publish(0);
        DescriptorChain chain = queue.pop();
        assertEquals(List.of(new Descriptor(0x10000, 16, false), new Descriptor(0x11000, 32, true)),
                chain.descriptors());
    }

    @Test
    void undoPopHandsTheSameChainOutAgain() throws Exception {
        descriptor(DESC, 2, 0x10000, 8, 0, 0);
        publish(2);
        assertEquals(2, queue.pop().head());
        queue.undoPop();
        assertEquals(2, queue.pop().head());
    }

    @Test
    void cursorMovesBackOverUnusedBytes() throws Exception {
        descriptor(DESC, 0, 0x10000, 4, DescriptorChain.F_WRITE | DescriptorChain.F_NEXT, 1);
        descriptor(DESC, 1, 0x20000, 4, DescriptorChain.F_WRITE, 0);
        publish(0);
        ChainCursor out = queue.pop().writable();
        out.next(4);
        out.next(3);
        out.unread(5);
        assertEquals(2, out.consumed());
        assertEquals(0x10002, out.next(10).address() - memory.slice(0, 1).address());
    }

    private void assertBroken(String expected) {
        InvalidQueueException e = assertThrows(InvalidQueueException.class, queue::pop);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void loopIsRefused() {
        descriptor(DESC, 0, 0x10000, 1, DescriptorChain.F_NEXT, 1);
        descriptor(DESC, 1, 0x10000, 1, DescriptorChain.F_NEXT, 0);
        publish(0);
        assertBroken("a loop");
    }

    @Test
    void bufferOutsideRamIsRefused() {
        descriptor(DESC, 0, memory.size() - 4, 8, 0, 0);
        publish(0);
        assertBroken("outside guest RAM");
    }

    @Test
    void lengthThatWrapsTheAddressSpaceIsRefused() {
        descriptor(DESC, 0, -16L, 32, 0, 0);
        publish(0);
        assertBroken("outside guest RAM");
    }

    @Test
    void headOutsideTheTableIsRefused() {
        publish(SIZE);
        assertBroken("chain head 8");
    }

    @Test
    void nextOutsideTheTableIsRefused() {
        descriptor(DESC, 0, 0x10000, 1, DescriptorChain.F_NEXT, 200);
        publish(0);
        assertBroken("next 200");
    }

    @Test
    void readableAfterWritableIsRefused() {
        descriptor(DESC, 0, 0x10000, 1, DescriptorChain.F_WRITE | DescriptorChain.F_NEXT, 1);
        descriptor(DESC, 1, 0x10000, 1, 0, 0);
        publish(0);
        assertBroken("readable buffer after a writable one");
    }

    @Test
    void nestedIndirectTableIsRefused() {
        long table = 0x40000;
        descriptor(table, 0, table, 16, DescriptorChain.F_INDIRECT, 0);
        descriptor(DESC, 0, table, 16, DescriptorChain.F_INDIRECT, 0);
        publish(0);
        assertBroken("indirect table must be the only descriptor");
    }

    @Test
    void indirectTableOfBadLengthIsRefused() {
        descriptor(DESC, 0, 0x40000, 24, DescriptorChain.F_INDIRECT, 0);
        publish(0);
        assertBroken("bad indirect table");
    }

    @Test
    void availableIndexRunningAheadIsRefused() {
        memory.writeShort(AVAIL + 2, (short) (SIZE + 1));
        assertBroken("more than the queue size");
    }

    @Test
    void activationChecksSizeAlignmentAndPlacement() {
        Queue q = new Queue(SIZE);
        q.setSize(6);
        assertThrows(InvalidQueueException.class, () -> q.activate(memory), "size not a power of 2");
        q.setSize(SIZE);
        q.setDescriptorTable(DESC + 8);
        q.setAvailableRing(AVAIL);
        q.setUsedRing(USED);
        assertThrows(InvalidQueueException.class, () -> q.activate(memory), "misaligned table");
        q.setDescriptorTable(DESC);
        q.setUsedRing(memory.size() - 8);
        assertThrows(InvalidQueueException.class, () -> q.activate(memory), "used ring past RAM");
    }
}
