package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.handle;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Mapping;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A virtual machine (a KVM VM fd). Guest memory is not owned here: the caller maps it (e.g. {@link Libc#mmap}),
 * registers it with {@link #setUserMemoryRegion}, and must keep it mapped until this VM is closed.
 */
public final class KvmVm implements AutoCloseable {
    /** {@code kvm_pit_config.flags}: emulate the PC speaker port 0x61 as a dummy. */
    public static final int KVM_PIT_SPEAKER_DUMMY = 1;
    public static final int KVM_IRQFD_FLAG_DEASSIGN = 1;
    public static final int KVM_IOEVENTFD_FLAG_DATAMATCH = 1;
    public static final int KVM_IOEVENTFD_FLAG_PIO = 1 << 1;
    public static final int KVM_IOEVENTFD_FLAG_DEASSIGN = 1 << 2;

    private static final VarHandle IRQ_LEVEL_IRQ = handle(KvmLayouts.KVM_IRQ_LEVEL, KvmLayouts.ANONYMOUS, "irq");
    private static final VarHandle IRQ_LEVEL_LEVEL = handle(KvmLayouts.KVM_IRQ_LEVEL, "level");
    private static final VarHandle IRQFD_FD = handle(KvmLayouts.KVM_IRQFD, "fd");
    private static final VarHandle IRQFD_GSI = handle(KvmLayouts.KVM_IRQFD, "gsi");
    private static final VarHandle IRQFD_FLAGS = handle(KvmLayouts.KVM_IRQFD, "flags");
    private static final VarHandle IOEVENTFD_DATAMATCH = handle(KvmLayouts.KVM_IOEVENTFD, "datamatch");
    private static final VarHandle IOEVENTFD_ADDR = handle(KvmLayouts.KVM_IOEVENTFD, "addr");
    private static final VarHandle IOEVENTFD_LEN = handle(KvmLayouts.KVM_IOEVENTFD, "len");
    private static final VarHandle IOEVENTFD_FD = handle(KvmLayouts.KVM_IOEVENTFD, "fd");
    private static final VarHandle IOEVENTFD_FLAGS = handle(KvmLayouts.KVM_IOEVENTFD, "flags");
    private static final VarHandle PIT_FLAGS = handle(KvmLayouts.KVM_PIT_CONFIG, "flags");
    private static final VarHandle ENABLE_CAP_CAP = handle(KvmLayouts.KVM_ENABLE_CAP, "cap");
    private static final long ENABLE_CAP_ARGS = KvmLayouts.offset(KvmLayouts.KVM_ENABLE_CAP, "args");
    private static final int ENABLE_CAP_MAX_ARGS = 4;
    private static final long IRQCHIP_CHIP_ID = KvmLayouts.offset(KvmLayouts.KVM_IRQCHIP, "chip_id");

    private final Fd fd;
    private final int vcpuMmapSize;

    KvmVm(Fd fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** KVM_CHECK_EXTENSION on the VM fd (some answers, e.g. KVM_CAP_MAX_VCPUS, are per VM). */
    public int checkExtension(int cap) throws SyscallException {
        return ioctl(KvmIoctls.KVM_CHECK_EXTENSION, cap);
    }

    /** KVM_SET_USER_MEMORY_REGION: adds, moves or (size 0) deletes a guest memory slot. */
    public void setUserMemoryRegion(UserMemoryRegion region) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_USERSPACE_MEMORY_REGION);
            region.write(s, 0);
            ioctl(KvmIoctls.KVM_SET_USER_MEMORY_REGION, s);
        }
    }

    /** KVM_SET_TSS_ADDR: three pages of guest-physical space KVM needs on Intel; must not overlap RAM or MMIO. */
    public void setTssAddr(long address) throws SyscallException {
        ioctl(KvmIoctls.KVM_SET_TSS_ADDR, address);
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page for the Intel real-mode identity map; must not overlap RAM or MMIO. */
    public void setIdentityMapAddr(long address) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            ioctl(KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR, arena.allocateFrom(ValueLayout.JAVA_LONG, address));
        }
    }

    /** KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC and local APICs. Call before creating vCPUs. */
    public void createIrqchip() throws SyscallException {
        ioctl(KvmIoctls.KVM_CREATE_IRQCHIP, 0);
    }

    /** KVM_CREATE_PIT2: in-kernel i8254. {@code flags} e.g. {@link #KVM_PIT_SPEAKER_DUMMY}. */
    public void createPit2(int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_PIT_CONFIG);
            PIT_FLAGS.set(s, 0L, flags);
            ioctl(KvmIoctls.KVM_CREATE_PIT2, s);
        }
    }

    /** KVM_IRQ_LINE: drives an in-kernel irqchip input (GSI) high or low. */
    public void irqLine(int irq, boolean high) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_IRQ_LEVEL);
            IRQ_LEVEL_IRQ.set(s, 0L, irq);
            IRQ_LEVEL_LEVEL.set(s, 0L, high ? 1 : 0);
            ioctl(KvmIoctls.KVM_IRQ_LINE, s);
        }
    }

    /** KVM_IRQFD: a write to {@code eventfd} injects (edge) interrupt {@code gsi} without a VMM round trip. */
    public void registerIrqfd(Fd eventfd, int gsi) throws SyscallException {
        irqfd(eventfd, gsi, 0);
    }

    public void unregisterIrqfd(Fd eventfd, int gsi) throws SyscallException {
        irqfd(eventfd, gsi, KVM_IRQFD_FLAG_DEASSIGN);
    }

    /**
     * KVM_IOEVENTFD: a guest write of {@code length} bytes to {@code address} signals {@code eventfd} in the kernel
     * instead of exiting. {@code flags}: {@link #KVM_IOEVENTFD_FLAG_PIO} for port I/O,
     * {@link #KVM_IOEVENTFD_FLAG_DATAMATCH} to fire only when the value equals {@code datamatch}.
     */
    public void registerIoeventfd(Fd eventfd, long address, int length, int flags, long datamatch)
            throws SyscallException {
        ioeventfd(eventfd, address, length, flags, datamatch);
    }

    /** Removes a registration; arguments must match the ones it was registered with. */
    public void unregisterIoeventfd(Fd eventfd, long address, int length, int flags, long datamatch)
            throws SyscallException {
        ioeventfd(eventfd, address, length, flags | KVM_IOEVENTFD_FLAG_DEASSIGN, datamatch);
    }

    /** KVM_ENABLE_CAP on the VM fd, with up to four arguments. */
    public void enableCap(int cap, long... args) throws SyscallException {
        if (args.length > ENABLE_CAP_MAX_ARGS) {
            throw new IllegalArgumentException("kvm_enable_cap takes at most 4 args, got " + args.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_ENABLE_CAP);
            ENABLE_CAP_CAP.set(s, 0L, cap);
            for (int i = 0; i < args.length; i++) {
                s.set(ValueLayout.JAVA_LONG, ENABLE_CAP_ARGS + (long) i * Long.BYTES, args[i]);
            }
            ioctl(KvmIoctls.KVM_ENABLE_CAP, s);
        }
    }

    /** KVM_GET_IRQCHIP of chip {@code chipId} (0 PIC master, 1 PIC slave, 2 IOAPIC): the whole kvm_irqchip. */
    public byte[] getIrqchip(int chipId) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_IRQCHIP);
            s.set(ValueLayout.JAVA_INT, IRQCHIP_CHIP_ID, chipId);
            ioctl(KvmIoctls.KVM_GET_IRQCHIP, s);
            return s.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /**
     * A GET ioctl on the VM fd whose struct the caller keeps as opaque bytes (KVM_GET_PIT2, KVM_GET_CLOCK): for
     * snapshots.
     */
    public byte[] getState(long request, MemoryLayout struct) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(struct);
            ioctl(request, s);
            return s.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** The SET ioctl matching {@link #getState} or {@link #getIrqchip} (KVM_SET_IRQCHIP), with bytes they returned. */
    public void setState(long request, MemoryLayout struct, byte[] bytes) throws SyscallException {
        if (bytes.length != struct.byteSize()) {
            throw new IllegalArgumentException(struct.name().orElse("the struct") + " is " + struct.byteSize()
                    + " bytes, got " + bytes.length + " for " + KvmIoctls.name(request));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(struct);
            MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
            ioctl(request, s);
        }
    }

    /** KVM_CREATE_VCPU and the mmap of its kvm_run; the returned vCPU owns both. */
    public KvmVcpu createVcpu(int id) throws SyscallException {
        Fd vcpuFd = Fd.adopt(ioctl(KvmIoctls.KVM_CREATE_VCPU, id));
        try {
            Mapping run = Libc.mmap(vcpuMmapSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, vcpuFd.get(), 0);
            return new KvmVcpu(id, vcpuFd, run);
        } catch (SyscallException | RuntimeException e) {
            try {
                vcpuFd.close();
            } catch (SyscallException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    /** Raw ioctl on the VM fd with an integer argument; failures name the request. */
    public int ioctl(long request, long arg) throws SyscallException {
        return Libc.ioctl(fd.get(), request, arg, KvmIoctls.name(request));
    }

    /** Raw ioctl on the VM fd with a struct argument; failures name the request. */
    public int ioctl(long request, MemorySegment arg) throws SyscallException {
        return Libc.ioctl(fd.get(), request, arg, KvmIoctls.name(request));
    }

    @Override
    public void close() throws SyscallException {
        fd.close();
    }

    private void irqfd(Fd eventfd, int gsi, int flags) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_IRQFD);
            IRQFD_FD.set(s, 0L, eventfd.get());
            IRQFD_GSI.set(s, 0L, gsi);
            IRQFD_FLAGS.set(s, 0L, flags);
            ioctl(KvmIoctls.KVM_IRQFD, s);
        }
    }

    private void ioeventfd(Fd eventfd, long address, int length, int flags, long datamatch) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_IOEVENTFD);
            IOEVENTFD_DATAMATCH.set(s, 0L, datamatch);
            IOEVENTFD_ADDR.set(s, 0L, address);
            IOEVENTFD_LEN.set(s, 0L, length);
            IOEVENTFD_FD.set(s, 0L, eventfd.get());
            IOEVENTFD_FLAGS.set(s, 0L, flags);
            ioctl(KvmIoctls.KVM_IOEVENTFD, s);
        }
    }
}
