package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemoryException;

import java.lang.invoke.VarHandle;

/**
 * One split virtqueue. The driver configures it through the transport (size and the guest addresses of the
 * descriptor table, available ring and used ring); after activation the device thread alone pops chains from the
 * available ring and returns them through the used ring. Guest memory is shared with running vCPUs, hence the
 * fences: the available index is read before the entries it publishes, and used entries are written before the
 * used index that publishes them.
 */
public final class Queue {
    /** VRING_AVAIL_F_NO_INTERRUPT in the available ring's flags. */
    static final int AVAIL_F_NO_INTERRUPT = 1;
    /** VRING_USED_F_NO_NOTIFY in the used ring's flags. */
    static final int USED_F_NO_NOTIFY = 1;
    private final int maxSize;
    private int size;
    private boolean ready;
    private long descriptorTable;
    private long availableRing;
    private long usedRing;

    private GuestMemory memory;
    private short nextAvailable;
    private short nextUsed;

    public Queue(int maxSize) {
        if (maxSize <= 0 || maxSize > 32768 || Integer.bitCount(maxSize) != 1) {
            throw new IllegalArgumentException("queue size must be a power of 2 up to 32768: " + maxSize);
        }
        this.maxSize = maxSize;
        this.size = maxSize;
    }

    public int maxSize() {
        return maxSize;
    }

    /** The size the driver chose (QueueNum). */
    public int size() {
        return size;
    }

    public boolean ready() {
        return ready;
    }

    /** Guest address of the descriptor table (QueueDesc). */
    public long descriptorTable() {
        return descriptorTable;
    }

    /** Guest address of the available ring (QueueDriver). */
    public long availableRing() {
        return availableRing;
    }

    /** Guest address of the used ring (QueueDevice). */
    public long usedRing() {
        return usedRing;
    }

    void setSize(int size) {
        this.size = size;
    }

    void setReady(boolean ready) {
        this.ready = ready;
    }

    void setDescriptorTable(long address) {
        this.descriptorTable = address;
    }

    void setAvailableRing(long address) {
        this.availableRing = address;
    }

    void setUsedRing(long address) {
        this.usedRing = address;
    }

    /** The driver's setup and the device's positions, for a snapshot. */
    QueueState state() {
        return new QueueState(size, ready, descriptorTable, availableRing, usedRing,
                Short.toUnsignedInt(nextAvailable), Short.toUnsignedInt(nextUsed));
    }

    /** Takes back the driver's setup of a snapshot; {@link #restorePositions} follows activation. */
    void restoreSetup(QueueState state) {
        size = state.size();
        ready = state.ready();
        descriptorTable = state.descriptorTable();
        availableRing = state.availableRing();
        usedRing = state.usedRing();
    }

    /** Takes back the device's positions of a snapshot, after {@link #activate} (which starts them at 0). */
    void restorePositions(QueueState state) {
        nextAvailable = (short) state.nextAvailable();
        nextUsed = (short) state.nextUsed();
    }

    /** Back to the state after device reset. */
    void reset() {
        size = maxSize;
        ready = false;
        descriptorTable = 0;
        availableRing = 0;
        usedRing = 0;
        memory = null;
        nextAvailable = 0;
        nextUsed = 0;
    }

    /**
     * Checks the driver's configuration against guest RAM and binds the queue to it.
     *
     * @throws InvalidQueueException for a size that is not a power of 2 up to {@link #maxSize}, a misaligned ring,
     *                               or a ring that does not lie entirely inside guest RAM
     */
    void activate(GuestMemory guestMemory) throws InvalidQueueException {
        if (size <= 0 || size > maxSize || Integer.bitCount(size) != 1) {
            throw new InvalidQueueException("queue size " + size + " is not a power of 2 up to " + maxSize);
        }
        checkArea("descriptor table", guestMemory, descriptorTable, 16, (long) size * DescriptorChain.DESCRIPTOR_SIZE);
        checkArea("available ring", guestMemory, availableRing, 2, 6 + 2L * size);
        checkArea("used ring", guestMemory, usedRing, 4, 6 + 8L * size);
        this.memory = guestMemory;
        this.nextAvailable = 0;
        this.nextUsed = 0;
    }

    private static void checkArea(String what, GuestMemory memory, long address, int alignment, long length)
            throws InvalidQueueException {
        if (address % alignment != 0 || !memory.contains(address, length)) {
            throw new InvalidQueueException(String.format("%s at 0x%x (%d bytes, aligned to %d) is not in guest RAM",
                    what, address, length, alignment));
        }
    }

    /**
     * Takes the next chain the driver made available.
     *
     * @return the chain, or null when the driver has made nothing new available
     * @throws InvalidQueueException when the ring or the chain breaks the contract; the queue is then unusable
     */
    public DescriptorChain pop() throws InvalidQueueException {
        GuestMemory m = boundMemory();
        try {
            short availableIndex = m.readShort(availableRing + 2);
            int pending = Short.toUnsignedInt((short) (availableIndex - nextAvailable));
            if (pending == 0) {
                return null;
            }
            if (pending > size) {
                throw new InvalidQueueException("available index " + Short.toUnsignedInt(availableIndex) + " is "
                        + pending + " entries ahead of the device, more than the queue size " + size);
            }
            VarHandle.acquireFence();
            int slot = Short.toUnsignedInt(nextAvailable) & (size - 1);
            int head = Short.toUnsignedInt(m.readShort(availableRing + 4 + 2L * slot));
            DescriptorChain chain = DescriptorChain.parse(m, descriptorTable, size, head);
            nextAvailable++;
            return chain;
        } catch (GuestMemoryException e) {
            throw new InvalidQueueException("available ring: " + e.getMessage());
        }
    }

    /** Puts back the chain that the last {@link #pop} returned, for a device that could not use it yet. */
    public void undoPop() {
        nextAvailable--;
    }

    /** Whether the driver has made chains available that {@link #pop} has not taken. */
    public boolean hasAvailable() throws InvalidQueueException {
        try {
            return boundMemory().readShort(availableRing + 2) != nextAvailable;
        } catch (GuestMemoryException e) {
            throw new InvalidQueueException("available ring: " + e.getMessage());
        }
    }

    /**
     * Whether the driver wants an interrupt for what the device used: false while it sets VRING_AVAIL_F_NO_INTERRUPT
     * (Linux does while it polls the queue, e.g. under NAPI). Ask after {@link #addUsed}; the fence orders the used
     * index before the flag, as the driver orders them the other way round when it clears the flag.
     */
    public boolean wantsInterrupt() throws InvalidQueueException {
        VarHandle.fullFence();
        try {
            return (boundMemory().readShort(availableRing) & AVAIL_F_NO_INTERRUPT) == 0;
        } catch (GuestMemoryException e) {
            throw new InvalidQueueException("available ring: " + e.getMessage());
        }
    }

    /**
     * Sets VRING_USED_F_NO_NOTIFY while the device is working through the queue anyway, so the driver need not
     * notify (each notification is a VM exit). After enabling notifications again, check {@link #hasAvailable}: the
     * driver may have added chains without notifying in between.
     */
    public void setNotifications(boolean enabled) throws InvalidQueueException {
        try {
            boundMemory().writeShort(usedRing, (short) (enabled ? 0 : USED_F_NO_NOTIFY));
        } catch (GuestMemoryException e) {
            throw new InvalidQueueException("used ring: " + e.getMessage());
        }
        VarHandle.fullFence();
    }

    /**
     * Returns a chain to the driver with the number of bytes the device wrote into it. The caller then raises the
     * used-buffer interrupt (once per batch).
     */
    public void addUsed(int head, long writtenLength) throws InvalidQueueException {
        GuestMemory m = boundMemory();
        try {
            int slot = Short.toUnsignedInt(nextUsed) & (size - 1);
            long element = usedRing + 4 + 8L * slot;
            m.writeInt(element, head);
            m.writeInt(element + 4, (int) writtenLength);
            nextUsed++;
            VarHandle.releaseFence();
            m.writeShort(usedRing + 2, nextUsed);
        } catch (GuestMemoryException e) {
            throw new InvalidQueueException("used ring: " + e.getMessage());
        }
    }

    private GuestMemory boundMemory() {
        if (memory == null) {
            throw new IllegalStateException("queue used before activation");
        }
        return memory;
    }
}
