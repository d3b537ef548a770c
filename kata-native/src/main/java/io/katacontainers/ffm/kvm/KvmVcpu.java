package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.handle;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Mapping;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A virtual CPU: its fd and its mmapped kvm_run, both owned. Drive it from one thread (KVM serialises vCPU ioctls
 * anyway); only {@link KvmRun#setImmediateExit} is meant to be called from elsewhere.
 */
public final class KvmVcpu implements AutoCloseable {
    private static final VarHandle MP_STATE = handle(KvmLayouts.KVM_MP_STATE, "mp_state");
    private static final long CPUID_NENT = KvmLayouts.offset(KvmLayouts.KVM_CPUID2, "nent");
    private static final long MSRS_NMSRS = KvmLayouts.offset(KvmLayouts.KVM_MSRS, "nmsrs");
    private static final long XCRS_NR = KvmLayouts.offset(KvmLayouts.KVM_XCRS, "nr_xcrs");
    private static final long XCRS_FIRST = KvmLayouts.offset(KvmLayouts.KVM_XCRS, "xcrs");
    private static final long XCR_VALUE = KvmLayouts.offset(KvmLayouts.KVM_XCR, "value");
    private static final VarHandle FPU_FCW = handle(KvmLayouts.KVM_FPU, "fcw");
    private static final VarHandle FPU_MXCSR = handle(KvmLayouts.KVM_FPU, "mxcsr");

    private final int id;
    private final Fd fd;
    private final Mapping runMapping;
    private final KvmRun run;

    KvmVcpu(int id, Fd fd, Mapping runMapping) {
        this.id = id;
        this.fd = fd;
        this.runMapping = runMapping;
        this.run = new KvmRun(runMapping.segment());
    }

    public int id() {
        return id;
    }

    /** The shared kvm_run page: exit details after {@link #run()}, request flags before it. */
    public KvmRun kvmRun() {
        return run;
    }

    /**
     * KVM_RUN until the next exit to userspace. A signal or immediate_exit interrupts the run with EINTR; that is
     * reported as {@link KvmExitReason#INTR} (as the kernel also sets in kvm_run) rather than as a failure.
     */
    public KvmExitReason run() throws SyscallException {
        try {
            ioctl(KvmIoctls.KVM_RUN, 0);
        } catch (SyscallException e) {
            if (e.is(Errno.EINTR)) {
                return KvmExitReason.INTR;
            }
            throw e;
        }
        return run.exitReason();
    }

    public KvmRegs getRegs() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_REGS);
            ioctl(KvmIoctls.KVM_GET_REGS, s);
            return KvmRegs.read(s, 0);
        }
    }

    public void setRegs(KvmRegs regs) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_REGS);
            regs.write(s, 0);
            ioctl(KvmIoctls.KVM_SET_REGS, s);
        }
    }

    public KvmSregs getSregs() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_SREGS);
            ioctl(KvmIoctls.KVM_GET_SREGS, s);
            return KvmSregs.read(s, 0);
        }
    }

    public void setSregs(KvmSregs sregs) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_SREGS);
            sregs.write(s, 0);
            ioctl(KvmIoctls.KVM_SET_SREGS, s);
        }
    }

    /** KVM_SET_CPUID2: the CPUID leaves the guest sees (usually {@link KvmSystem#supportedCpuid()}, adjusted). */
    public void setCpuid2(List<CpuidEntry> entries) throws SyscallException {
        long header = KvmLayouts.KVM_CPUID2.byteSize();
        long entrySize = KvmLayouts.KVM_CPUID_ENTRY2.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(header + entries.size() * entrySize, Long.BYTES);
            s.set(ValueLayout.JAVA_INT, CPUID_NENT, entries.size());
            for (int i = 0; i < entries.size(); i++) {
                entries.get(i).write(s, header + i * entrySize);
            }
            ioctl(KvmIoctls.KVM_SET_CPUID2, s);
        }
    }

    /** KVM_GET_MSRS for the given MSR indices; stops at the first MSR KVM cannot read. */
    public List<MsrEntry> getMsrs(List<Integer> indices) throws SyscallException {
        long header = KvmLayouts.KVM_MSRS.byteSize();
        long entrySize = KvmLayouts.KVM_MSR_ENTRY.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(header + indices.size() * entrySize, Long.BYTES);
            s.set(ValueLayout.JAVA_INT, MSRS_NMSRS, indices.size());
            for (int i = 0; i < indices.size(); i++) {
                new MsrEntry(indices.get(i), 0).write(s, header + i * entrySize);
            }
            int read = ioctl(KvmIoctls.KVM_GET_MSRS, s);
            List<MsrEntry> result = new ArrayList<>(read);
            for (int i = 0; i < read; i++) {
                result.add(MsrEntry.read(s, header + i * entrySize));
            }
            return List.copyOf(result);
        }
    }

    /**
     * KVM_SET_MSRS. KVM returns how many entries it accepted and stops at the first refused one, so a short count is
     * turned into an exception naming that MSR.
     */
    public void setMsrs(List<MsrEntry> entries) throws SyscallException {
        long header = KvmLayouts.KVM_MSRS.byteSize();
        long entrySize = KvmLayouts.KVM_MSR_ENTRY.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(header + entries.size() * entrySize, Long.BYTES);
            s.set(ValueLayout.JAVA_INT, MSRS_NMSRS, entries.size());
            for (int i = 0; i < entries.size(); i++) {
                entries.get(i).write(s, header + i * entrySize);
            }
            int written = ioctl(KvmIoctls.KVM_SET_MSRS, s);
            if (written != entries.size()) {
                throw new IllegalStateException("KVM_SET_MSRS accepted " + written + " of " + entries.size()
                        + " MSRs; refused MSR 0x" + Integer.toHexString(entries.get(written).index()));
            }
        }
    }

    /** KVM_GET_MP_STATE: KVM_MP_STATE_* (0 runnable, 1 uninitialized, 2 init received, 3 halted, ...). */
    public int getMpState() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_MP_STATE);
            ioctl(KvmIoctls.KVM_GET_MP_STATE, s);
            return (int) MP_STATE.get(s, 0L);
        }
    }

    public void setMpState(int state) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_MP_STATE);
            MP_STATE.set(s, 0L, state);
            ioctl(KvmIoctls.KVM_SET_MP_STATE, s);
        }
    }

    /**
     * KVM_SET_FPU with everything zero except the x87 control word and MXCSR (the power-on values are 0x37f and
     * 0x1f80; a zeroed FPU would unmask every floating-point exception).
     */
    public void setFpu(int fcw, int mxcsr) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_FPU);
            FPU_FCW.set(s, 0L, (short) fcw);
            FPU_MXCSR.set(s, 0L, mxcsr);
            ioctl(KvmIoctls.KVM_SET_FPU, s);
        }
    }

    /**
     * KVM_SET_XCRS with XCR0 only: the XSAVE state components enabled, as the guest's XSETBV would set them. Lets
     * a VMM put XCR0 in place before KVM_SET_CPUID2, which sizes CPUID leaf 0xD's EBX from the current XCR0.
     */
    public void setXcr0(long xcr0) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_XCRS);
            s.set(ValueLayout.JAVA_INT, XCRS_NR, 1);
            s.set(ValueLayout.JAVA_INT, XCRS_FIRST, 0);
            s.set(ValueLayout.JAVA_LONG, XCRS_FIRST + XCR_VALUE, xcr0);
            ioctl(KvmIoctls.KVM_SET_XCRS, s);
        }
    }

    /** KVM_GET_LAPIC: the local APIC's 1 KiB register page (needs the in-kernel irqchip). */
    public byte[] getLapic() throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_LAPIC_STATE);
            ioctl(KvmIoctls.KVM_GET_LAPIC, s);
            return s.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** KVM_SET_LAPIC with a register page as returned by {@link #getLapic()}. */
    public void setLapic(byte[] registers) throws SyscallException {
        if (registers.length != KvmLayouts.KVM_LAPIC_STATE.byteSize()) {
            throw new IllegalArgumentException("a LAPIC register page is " + KvmLayouts.KVM_LAPIC_STATE.byteSize()
                    + " bytes, got " + registers.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(KvmLayouts.KVM_LAPIC_STATE);
            MemorySegment.copy(registers, 0, s, ValueLayout.JAVA_BYTE, 0, registers.length);
            ioctl(KvmIoctls.KVM_SET_LAPIC, s);
        }
    }

    /** KVM_GET_TSC_KHZ: the guest TSC frequency of this vCPU. */
    public int getTscKhz() throws SyscallException {
        return ioctl(KvmIoctls.KVM_GET_TSC_KHZ, 0);
    }

    /** KVM_SET_TSC_KHZ (needs KVM_CAP_TSC_CONTROL). */
    public void setTscKhz(int khz) throws SyscallException {
        ioctl(KvmIoctls.KVM_SET_TSC_KHZ, khz);
    }

    /**
     * KVM_GET_CPUID2: the CPUID leaves this vCPU was given (room for {@code capacity} entries; E2BIG if more).
     */
    public List<CpuidEntry> getCpuid2(int capacity) throws SyscallException {
        long header = KvmLayouts.KVM_CPUID2.byteSize();
        long entrySize = KvmLayouts.KVM_CPUID_ENTRY2.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(header + capacity * entrySize, Long.BYTES);
            s.set(ValueLayout.JAVA_INT, CPUID_NENT, capacity);
            ioctl(KvmIoctls.KVM_GET_CPUID2, s);
            int count = s.get(ValueLayout.JAVA_INT, CPUID_NENT);
            List<CpuidEntry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                entries.add(CpuidEntry.read(s, header + i * entrySize));
            }
            return List.copyOf(entries);
        }
    }

    /**
     * A GET ioctl whose struct the caller keeps as opaque bytes (e.g. KVM_GET_XSAVE with {@link KvmLayouts#KVM_XSAVE},
     * KVM_GET_VCPU_EVENTS, KVM_GET_DEBUGREGS, KVM_GET_XCRS, KVM_GET_FPU, KVM_GET_REGS): for snapshots.
     */
    public byte[] getState(long request, MemoryLayout struct) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(struct);
            ioctl(request, s);
            return s.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** The SET ioctl matching {@link #getState}, with bytes it returned. */
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

    /** Raw ioctl on the vCPU fd with an integer argument; failures name the request. */
    public int ioctl(long request, long arg) throws SyscallException {
        return Libc.ioctl(fd.get(), request, arg, KvmIoctls.name(request));
    }

    /** Raw ioctl on the vCPU fd with a struct argument (e.g. KVM_SET_FPU, KVM_SET_LAPIC); failures name it. */
    public int ioctl(long request, MemorySegment arg) throws SyscallException {
        return Libc.ioctl(fd.get(), request, arg, KvmIoctls.name(request));
    }

    /** Unmaps kvm_run (invalidating {@link #kvmRun()}), then closes the fd; both are attempted. */
    @Override
    public void close() throws SyscallException {
        try {
            runMapping.close();
        } catch (SyscallException | RuntimeException e) {
            try {
                fd.close();
            } catch (SyscallException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
        fd.close();
    }
}
