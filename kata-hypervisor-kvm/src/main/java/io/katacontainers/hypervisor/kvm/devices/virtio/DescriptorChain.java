package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemoryException;

import java.util.ArrayList;
import java.util.List;

/**
 * A request the guest made available: the head index (to return in the used ring) and its buffers, the readable ones
 * first. {@link #parse} walks the descriptor table with every guest value treated as hostile, so a chain that exists
 * is safe to use: each buffer lies inside one guest RAM region, and the walk is bounded.
 */
public final class DescriptorChain {
    static final int DESCRIPTOR_SIZE = 16;
    static final int F_NEXT = 1;
    static final int F_WRITE = 2;
    static final int F_INDIRECT = 4;
    /** Linux never builds indirect tables longer than the ring; this caps what a hostile table can make us walk. */
    static final int MAX_INDIRECT = 1024;

    private final GuestMemory memory;
    private final int head;
    private final List<Descriptor> descriptors;
    private final int firstWritable;

    private DescriptorChain(GuestMemory memory, int head, List<Descriptor> descriptors) {
        this.memory = memory;
        this.head = head;
        this.descriptors = List.copyOf(descriptors);
        int first = 0;
        while (first < descriptors.size() && !descriptors.get(first).writable()) {
            first++;
        }
        this.firstWritable = first;
    }

    /**
     * Reads the chain starting at {@code head} of the descriptor table at {@code table} with {@code size} entries.
     *
     * @throws InvalidQueueException for a head or next index outside the table, a buffer outside RAM, more
     *                               descriptors than the table holds (a loop), a readable buffer after a writable one,
     *                               or an indirect table that is nested, chained, misaligned or out of range
     */
    static DescriptorChain parse(GuestMemory memory, long table, int size, int head) throws InvalidQueueException {
        if (head >= size) {
            throw new InvalidQueueException("chain head " + head + " is outside the descriptor table of " + size);
        }
        List<Descriptor> out = new ArrayList<>();
        long tableAddress = table;
        int tableSize = size;
        boolean indirect = false;
        boolean sawWritable = false;
        int index = head;
        try {
            while (true) {
                long entry = tableAddress + (long) index * DESCRIPTOR_SIZE;
                long address = memory.readLong(entry);
                long length = Integer.toUnsignedLong(memory.readInt(entry + 8));
                int flags = Short.toUnsignedInt(memory.readShort(entry + 12));
                int next = Short.toUnsignedInt(memory.readShort(entry + 14));
                if ((flags & F_INDIRECT) != 0) {
                    if (indirect || !out.isEmpty() || (flags & F_NEXT) != 0) {
                        throw new InvalidQueueException(String.format(
                                "descriptor %d: an indirect table must be the only descriptor of its chain", index));
                    }
                    if (length == 0 || length % DESCRIPTOR_SIZE != 0 || length / DESCRIPTOR_SIZE > MAX_INDIRECT
                            || !memory.contains(address, length)) {
                        throw new InvalidQueueException(String.format(
                                "descriptor %d: bad indirect table 0x%x+%d", index, address, length));
                    }
                    tableAddress = address;
                    tableSize = (int) (length / DESCRIPTOR_SIZE);
                    indirect = true;
                    index = 0;
                    continue;
                }
                if (!memory.contains(address, length)) {
                    throw new InvalidQueueException(String.format(
                            "descriptor %d: buffer 0x%x+%d is outside guest RAM", index, address, length));
                }
                boolean writable = (flags & F_WRITE) != 0;
                if (sawWritable && !writable) {
                    throw new InvalidQueueException("descriptor " + index + ": readable buffer after a writable one");
                }
                sawWritable |= writable;
                out.add(new Descriptor(address, length, writable));
                if ((flags & F_NEXT) == 0) {
                    return new DescriptorChain(memory, head, out);
                }
                if (out.size() >= tableSize) {
                    throw new InvalidQueueException("chain from head " + head + " is longer than its table of "
                            + tableSize + " (a loop)");
                }
                if (next >= tableSize) {
                    throw new InvalidQueueException("descriptor " + index + ": next " + next
                            + " is outside the table of " + tableSize);
                }
                index = next;
            }
        } catch (GuestMemoryException e) {
            throw new InvalidQueueException("descriptor table at 0x" + Long.toHexString(tableAddress) + ": "
                    + e.getMessage());
        }
    }

    /** The index to hand back through the used ring. */
    public int head() {
        return head;
    }

    public List<Descriptor> descriptors() {
        return descriptors;
    }

    /** A cursor over the buffers the device reads (driver to device). */
    public ChainCursor readable() {
        return new ChainCursor(memory, descriptors.subList(0, firstWritable));
    }

    /** A cursor over the buffers the device writes (device to driver). */
    public ChainCursor writable() {
        return new ChainCursor(memory, descriptors.subList(firstWritable, descriptors.size()));
    }
}
