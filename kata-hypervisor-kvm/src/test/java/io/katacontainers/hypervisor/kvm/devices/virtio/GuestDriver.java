package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays the guest's virtio-mmio driver in tests: negotiates through the transport's registers as Linux does, lays
 * queues out in guest RAM, publishes descriptor chains, kicks through the notify eventfd and reads the used ring.
 */
public final class GuestDriver {
    /** Each queue gets 64 KiB at QUEUES + i * 64 KiB: descriptors, then the available and used rings. */
    static final long QUEUES = 0x10000;
    public static final long AVAIL_OFFSET = 0x4000;
    public static final long USED_OFFSET = 0x8000;
    /** Buffers come from here up. */
    static final long BUFFERS = 0x100000;

    public record Buffer(long address, int length, boolean writable) {
        public static Buffer in(long address, int length) {
            return new Buffer(address, length, false);
        }

        public static Buffer out(long address, int length) {
            return new Buffer(address, length, true);
        }
    }

    public record Used(int head, int length) {
    }

    private final GuestMemory memory;
    private final MmioTransport transport;
    private final int queueSize;
    private final int[] nextDescriptor;
    private final short[] availIndex;
    private final short[] usedSeen;
    private long nextBuffer = BUFFERS;

    public GuestDriver(GuestMemory memory, MmioTransport transport, int queueSize) {
        this.memory = memory;
        this.transport = transport;
        this.queueSize = queueSize;
        int queues = transport.device().queueCount();
        this.nextDescriptor = new int[queues];
        this.availIndex = new short[queues];
        this.usedSeen = new short[queues];
    }

    public GuestMemory memory() {
        return memory;
    }

    public MmioTransport transport() {
        return transport;
    }

    public static long descriptorTable(int queue) {
        return QUEUES + queue * 0x10000L;
    }

    /** The whole Linux probe sequence up to DRIVER_OK, accepting {@code features}. */
    public void start(long features) {
        reg(MmioTransport.STATUS, 0);
        reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE);
        reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_DRIVER);
        reg(MmioTransport.DRIVER_FEATURES_SEL, 0);
        reg(MmioTransport.DRIVER_FEATURES, (int) features);
        reg(MmioTransport.DRIVER_FEATURES_SEL, 1);
        reg(MmioTransport.DRIVER_FEATURES, (int) (features >>> 32));
        reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_DRIVER | Virtio.STATUS_FEATURES_OK);
        for (int q = 0; q < transport.device().queueCount(); q++) {
            // Fresh, zeroed rings, as Linux allocates them: nothing of a previous activation may look used.
            memory.slice(descriptorTable(q), 0x10000).fill((byte) 0);
            setUpQueue(q, descriptorTable(q), descriptorTable(q) + AVAIL_OFFSET, descriptorTable(q) + USED_OFFSET);
        }
        reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_DRIVER | Virtio.STATUS_FEATURES_OK
                | Virtio.STATUS_DRIVER_OK);
    }

    public void setUpQueue(int queue, long desc, long avail, long used) {
        reg(MmioTransport.QUEUE_SEL, queue);
        reg(MmioTransport.QUEUE_NUM, queueSize);
        reg(MmioTransport.QUEUE_DESC_LOW, (int) desc);
        reg(MmioTransport.QUEUE_DESC_HIGH, (int) (desc >>> 32));
        reg(MmioTransport.QUEUE_DRIVER_LOW, (int) avail);
        reg(MmioTransport.QUEUE_DRIVER_HIGH, (int) (avail >>> 32));
        reg(MmioTransport.QUEUE_DEVICE_LOW, (int) used);
        reg(MmioTransport.QUEUE_DEVICE_HIGH, (int) (used >>> 32));
        reg(MmioTransport.QUEUE_READY, 1);
    }

    public void reg(int offset, int value) {
        transport.write(offset, 4, Integer.toUnsignedLong(value));
    }

    public int reg(int offset) {
        return (int) transport.read(offset, 4);
    }

    /** Guest RAM for a buffer of {@code size} bytes (bump allocation, 16-byte aligned). */
    public long allocate(long size) {
        long address = nextBuffer;
        nextBuffer = (nextBuffer + size + 15) & ~15L;
        if (nextBuffer > memory.size()) {
            throw new IllegalStateException("test guest memory exhausted");
        }
        return address;
    }

    /** Writes {@code buffers} as one direct chain and makes it available; returns its head. */
    public int submit(int queue, Buffer... buffers) {
        long table = descriptorTable(queue);
        int head = nextDescriptor[queue];
        for (int i = 0; i < buffers.length; i++) {
            int index = (head + i) % queueSize;
            int next = (index + 1) % queueSize;
            boolean last = i == buffers.length - 1;
            writeDescriptor(memory, table, index, buffers[i].address(), buffers[i].length(),
                    (buffers[i].writable() ? DescriptorChain.F_WRITE : 0) | (last ? 0 : DescriptorChain.F_NEXT),
                    last ? 0 : next);
        }
        nextDescriptor[queue] = (head + buffers.length) % queueSize;
        publish(queue, head);
        return head;
    }

    /** Writes {@code buffers} as an indirect table referenced by one descriptor; returns its head. */
    public int submitIndirect(int queue, Buffer... buffers) {
        long indirect = allocate(16L * buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            boolean last = i == buffers.length - 1;
            writeDescriptor(memory, indirect, i, buffers[i].address(), buffers[i].length(),
                    (buffers[i].writable() ? DescriptorChain.F_WRITE : 0) | (last ? 0 : DescriptorChain.F_NEXT),
                    last ? 0 : i + 1);
        }
        int head = nextDescriptor[queue];
        writeDescriptor(memory, descriptorTable(queue), head, indirect, 16 * buffers.length,
                DescriptorChain.F_INDIRECT, 0);
        nextDescriptor[queue] = (head + 1) % queueSize;
        publish(queue, head);
        return head;
    }

    /** Writes descriptor {@code index} of the table at {@code table}. */
    public static void writeDescriptor(GuestMemory memory, long table, int index, long address, int length, int flags,
                                       int next) {
        long entry = table + 16L * index;
        memory.writeLong(entry, address);
        memory.writeInt(entry + 8, length);
        memory.writeShort(entry + 12, (short) flags);
        memory.writeShort(entry + 14, (short) next);
    }

    /** Puts {@code head} into the available ring and bumps its index. */
    public void publish(int queue, int head) {
        long avail = descriptorTable(queue) + AVAIL_OFFSET;
        int slot = Short.toUnsignedInt(availIndex[queue]) % queueSize;
        memory.writeShort(avail + 4 + 2L * slot, (short) head);
        availIndex[queue]++;
        memory.writeShort(avail + 2, availIndex[queue]);
    }

    public void kick(int queue) throws SyscallException {
        EventFds.signal(transport.queueEvents().get(queue));
    }

    /** The used elements the device returned since the last call, without waiting. */
    public List<Used> takeUsed(int queue) {
        long used = descriptorTable(queue) + USED_OFFSET;
        List<Used> out = new ArrayList<>();
        short index = memory.readShort(used + 2);
        while (usedSeen[queue] != index) {
            int slot = Short.toUnsignedInt(usedSeen[queue]) % queueSize;
            out.add(new Used(memory.readInt(used + 4 + 8L * slot), memory.readInt(used + 8 + 8L * slot)));
            usedSeen[queue]++;
        }
        return out;
    }

    /** Whether the device returned something in {@code queue} not yet taken. */
    public boolean hasUsed(int queue) {
        return memory.readShort(descriptorTable(queue) + USED_OFFSET + 2) != usedSeen[queue];
    }

    /** Waits up to 10 s for the next used element of {@code queue}. */
    public Used awaitUsed(int queue) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long used = descriptorTable(queue) + USED_OFFSET;
        for (int spins = 0; memory.readShort(used + 2) == usedSeen[queue]; spins++) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the device used nothing in queue " + queue + " within 10 s (status 0x"
                        + Integer.toHexString(transport.status()) + ")");
            }
            if (spins < 1000) {
                Thread.yield();
            } else {
                Thread.sleep(1);
            }
        }
        int slot = Short.toUnsignedInt(usedSeen[queue]) % queueSize;
        usedSeen[queue]++;
        return new Used(memory.readInt(used + 4 + 8L * slot), memory.readInt(used + 8 + 8L * slot));
    }
}
