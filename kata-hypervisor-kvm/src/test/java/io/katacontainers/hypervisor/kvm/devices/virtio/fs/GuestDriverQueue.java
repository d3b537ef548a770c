package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser.Vring;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;

/**
 * The test plays the guest's virtio driver for one split virtqueue handed straight to a vhost-user back end, with
 * no transport in between ({@link GuestDriver} needs one): rings anywhere in guest memory, chains published in
 * the available ring, notifications through the kick eventfd, completions read from the used ring after the
 * back end's call eventfd fires.
 */
final class GuestDriverQueue {
    private static final int F_NEXT = 1;
    private static final int F_WRITE = 2;

    /** A guest buffer: guest-physical address and length. */
    record Buffer(long address, int length) {
    }

    /** A used-ring entry: the head descriptor of the chain and the bytes the device wrote. */
    record Used(int head, int length) {
    }

    private final GuestMemory memory;
    private final int index;
    private final int size;
    private final long descriptors;
    private final long available;
    private final long used;
    private int nextDescriptor;
    private short availableIndex;
    private short usedSeen;

    /** Rings at {@code base}: descriptor table, then available ring, then the used ring on a 4-byte boundary. */
    GuestDriverQueue(GuestMemory memory, int index, int size, long base) {
        this.memory = memory;
        this.index = index;
        this.size = size;
        this.descriptors = base;
        this.available = base + 16L * size;
        this.used = (available + 6 + 2L * size + 3) & ~3L;
    }

    Vring vring(Fd kick, Fd call, Fd error) {
        return new Vring(index, size, descriptors, available, used, kick, call, error);
    }

    /** Publishes a chain: device-readable buffers first, then device-writable ones. Returns the head. */
    int submit(List<Buffer> readable, List<Buffer> writable) {
        int head = nextDescriptor;
        int count = readable.size() + writable.size();
        for (int i = 0; i < count; i++) {
            boolean write = i >= readable.size();
            Buffer buffer = write ? writable.get(i - readable.size()) : readable.get(i);
            GuestDriver.writeDescriptor(memory, descriptors, (head + i) % size, buffer.address(), buffer.length(),
                    (write ? F_WRITE : 0) | (i + 1 < count ? F_NEXT : 0), (head + i + 1) % size);
        }
        nextDescriptor = (head + count) % size;
        memory.writeShort(available + 4 + 2L * (Short.toUnsignedInt(availableIndex) % size), (short) head);
        // The ring entry must be visible before the index that publishes it.
        VarHandle.releaseFence();
        memory.writeShort(available + 2, ++availableIndex);
        return head;
    }

    /** Notifies the device, as the guest's write to QueueNotify does through an ioeventfd. */
    static void kick(Fd kick) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.write(kick.get(), arena.allocateFrom(ValueLayout.JAVA_LONG, 1L));
        }
    }

    /** Waits for the device's interrupt on {@code call} until a new used entry shows up, and returns it. */
    Used awaitUsed(Fd call, Duration timeout) throws SyscallException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (memory.readShort(used + 2) == usedSeen) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("queue " + index + ": no used buffer within " + timeout);
            }
            if ((Poll.poll(call.get(), Poll.POLLIN, (int) left) & Poll.POLLIN) != 0) {
                try (Arena arena = Arena.ofConfined()) {
                    Libc.read(call.get(), arena.allocate(8));
                }
            }
        }
        long entry = used + 4 + 8L * (Short.toUnsignedInt(usedSeen) % size);
        usedSeen++;
        return new Used(memory.readInt(entry), memory.readInt(entry + 4));
    }
}
