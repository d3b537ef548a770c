package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.KVM_USERSPACE_MEMORY_REGION;
import static io.katacontainers.ffm.kvm.KvmLayouts.handle;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A guest memory slot ({@code struct kvm_userspace_memory_region}). A size of 0 deletes the slot.
 *
 * @param flags {@link #KVM_MEM_LOG_DIRTY_PAGES} / {@link #KVM_MEM_READONLY}
 */
public record UserMemoryRegion(int slot, int flags, long guestPhysAddr, long memorySize, long userspaceAddr) {
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1;
    public static final int KVM_MEM_READONLY = 1 << 1;

    private static final VarHandle SLOT = handle(KVM_USERSPACE_MEMORY_REGION, "slot");
    private static final VarHandle FLAGS = handle(KVM_USERSPACE_MEMORY_REGION, "flags");
    private static final VarHandle GUEST_PHYS_ADDR = handle(KVM_USERSPACE_MEMORY_REGION, "guest_phys_addr");
    private static final VarHandle MEMORY_SIZE = handle(KVM_USERSPACE_MEMORY_REGION, "memory_size");
    private static final VarHandle USERSPACE_ADDR = handle(KVM_USERSPACE_MEMORY_REGION, "userspace_addr");

    /** A slot backed by {@code hostMemory} (its address and whole size). */
    public static UserMemoryRegion of(int slot, long guestPhysAddr, MemorySegment hostMemory, int flags) {
        return new UserMemoryRegion(slot, flags, guestPhysAddr, hostMemory.byteSize(), hostMemory.address());
    }

    public static UserMemoryRegion read(MemorySegment m, long offset) {
        return new UserMemoryRegion((int) SLOT.get(m, offset), (int) FLAGS.get(m, offset),
                (long) GUEST_PHYS_ADDR.get(m, offset), (long) MEMORY_SIZE.get(m, offset),
                (long) USERSPACE_ADDR.get(m, offset));
    }

    public void write(MemorySegment m, long offset) {
        SLOT.set(m, offset, slot);
        FLAGS.set(m, offset, flags);
        GUEST_PHYS_ADDR.set(m, offset, guestPhysAddr);
        MEMORY_SIZE.set(m, offset, memorySize);
        USERSPACE_ADDR.set(m, offset, userspaceAddr);
    }
}
