package io.katacontainers.benchmarks.boot;

import io.katacontainers.ffm.kvm.IoExit;
import io.katacontainers.ffm.kvm.KvmExitReason;
import io.katacontainers.ffm.kvm.KvmRegs;
import io.katacontainers.ffm.kvm.KvmSregs;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.ffm.kvm.KvmVcpu;
import io.katacontainers.ffm.kvm.KvmVm;
import io.katacontainers.ffm.kvm.UserMemoryRegion;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Mapping;
import io.katacontainers.ffm.libc.SyscallException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The boot benchmarks' peer: the least a KVM user can do to run a guest, straight on kata-native's bindings, in
 * the calling thread. One memory slot, one vCPU in real mode at {@value #CODE_ADDRESS}, no devices, no irqchip:
 * {@code mov dx,0x3f8; mov al,MARKER; out dx,al; hlt}.
 */
final class RawKvmGuest implements AutoCloseable {
    static final long CODE_ADDRESS = 0x1000;
    static final int SERIAL_PORT = 0x3f8;
    private static final int MAX_EXITS = 16;

    private final Mapping ram;
    private final KvmVm vm;
    private final KvmVcpu vcpu;

    private RawKvmGuest(Mapping ram, KvmVm vm, KvmVcpu vcpu) {
        this.ram = ram;
        this.vm = vm;
        this.vcpu = vcpu;
    }

    /** Memory, the VM, its vCPU in real mode at the code, which writes {@code marker} to COM1 and halts. */
    static RawKvmGuest create(KvmSystem kvm, long memoryBytes, byte marker) throws SyscallException {
        Mapping ram = Libc.mmapAnonymous(memoryBytes);
        KvmVm vm = null;
        try {
            vm = kvm.createVm();
            vm.setUserMemoryRegion(UserMemoryRegion.of(0, 0, ram.segment(), 0));
            byte[] code = {(byte) 0xba, (byte) SERIAL_PORT, (byte) (SERIAL_PORT >> 8), (byte) 0xb0, marker,
                    (byte) 0xee, (byte) 0xf4};
            MemorySegment.copy(code, 0, ram.segment(), ValueLayout.JAVA_BYTE, CODE_ADDRESS, code.length);
            KvmVcpu vcpu = vm.createVcpu(0);
            try {
                KvmSregs sregs = vcpu.getSregs();
                vcpu.setSregs(sregs.withCs(sregs.cs().withBase(0).withSelector(0)));
                vcpu.setRegs(KvmRegs.initial().withRip(CODE_ADDRESS));
            } catch (SyscallException | RuntimeException e) {
                try (vcpu) {
                    throw e;
                }
            }
            return new RawKvmGuest(ram, vm, vcpu);
        } catch (SyscallException | RuntimeException e) {
            try (Mapping m = ram; KvmVm v = vm) {
                throw e;
            }
        }
    }

    /** Runs the vCPU to its first port write; returns the byte written. */
    int runToPortWrite() throws IOException {
        KvmExitReason reason = vcpu.run();
        if (reason != KvmExitReason.IO) {
            throw new IOException("the raw guest's first exit is " + reason.constantName() + ", not its port write");
        }
        IoExit io = vcpu.kvmRun().io();
        if (!io.isOut() || io.port() != SERIAL_PORT) {
            throw new IOException("the raw guest's first exit is " + io + ", not its write to COM1");
        }
        return vcpu.kvmRun().ioData().get(ValueLayout.JAVA_BYTE, 0);
    }

    /** Runs the vCPU (on from where it stopped) until it halts; returns how many exits that took. */
    int runToHalt() throws IOException {
        for (int exits = 1; exits <= MAX_EXITS; exits++) {
            KvmExitReason reason = vcpu.run();
            if (reason == KvmExitReason.HLT) {
                return exits;
            }
            if (reason != KvmExitReason.IO) {
                throw new IOException("the raw guest exited with " + reason.constantName() + " before halting");
            }
        }
        throw new IOException("the raw guest did not halt within " + MAX_EXITS + " exits");
    }

    @Override
    public void close() throws SyscallException {
        try (Mapping m = ram; KvmVm v = vm; KvmVcpu c = vcpu) {
            // the vCPU first, then the VM, then its memory
        }
    }
}
