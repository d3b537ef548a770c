package io.katacontainers.ffm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Mapping;
import io.katacontainers.ffm.libc.SyscallException;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs tiny real-mode guests through the bindings on the host's /dev/kvm (works on plain KVM and on PVM). Skipped,
 * with the reason shown, only where /dev/kvm does not exist; any other failure to use it fails the test.
 */
class KvmGuestTest {
    private static final long GUEST_MEMORY = 0x10000;
    private static final long CODE_ADDRESS = 0x1000;
    private static final int SERIAL_PORT = 0x3f8;
    private static final int NOTIFY_PORT = 0x510;
    private static final int MAX_EXITS = 64;

    /** mov dx,0x3f8; mov al,'O'; out dx,al; mov al,'K'; out dx,al; mov al,'\n'; out dx,al; hlt */
    private static final byte[] HELLO = {
            (byte) 0xba, (byte) 0xf8, 0x03,
            (byte) 0xb0, 'O', (byte) 0xee,
            (byte) 0xb0, 'K', (byte) 0xee,
            (byte) 0xb0, '\n', (byte) 0xee,
            (byte) 0xf4};

    /** mov dx,0x510; mov al,1; out dx,al; mov dx,0x3f8; mov al,'!'; out dx,al; hlt */
    private static final byte[] NOTIFY_THEN_PRINT = {
            (byte) 0xba, 0x10, 0x05,
            (byte) 0xb0, 0x01, (byte) 0xee,
            (byte) 0xba, (byte) 0xf8, 0x03,
            (byte) 0xb0, '!', (byte) 0xee,
            (byte) 0xf4};

    @BeforeEach
    void requireKvm() {
        Assumptions.assumeTrue(Files.exists(KvmSystem.DEFAULT_DEVICE),
                KvmSystem.DEFAULT_DEVICE + " does not exist on this host (no KVM or PVM); guest tests need it");
    }

    @Test
    void systemQueries() throws Exception {
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE)) {
            assertEquals(KvmSystem.STABLE_API_VERSION, kvm.apiVersion());
            assertTrue(kvm.checkExtension(KvmCap.KVM_CAP_USER_MEMORY) > 0, "KVM_CAP_USER_MEMORY");
            assertTrue(kvm.vcpuMmapSize() >= KvmLayouts.KVM_RUN.byteSize(), "vcpu mmap size");
            List<CpuidEntry> cpuid = kvm.supportedCpuid();
            assertFalse(cpuid.isEmpty(), "KVM_GET_SUPPORTED_CPUID returned no leaves");
            assertTrue(cpuid.stream().anyMatch(e -> e.function() == 0), "CPUID leaf 0 missing: " + cpuid);
            assertFalse(kvm.msrIndexList().isEmpty(), "KVM_GET_MSR_INDEX_LIST returned no MSRs");
        }
    }

    @Test
    void unknownIoctlIsNamedInTheError() throws Exception {
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE)) {
            // KVM_RUN is a vCPU ioctl: the system fd rejects it, and the message names it.
            SyscallException e = assertThrows(SyscallException.class, () -> kvm.ioctl(KvmIoctls.KVM_RUN, 0));
            assertEquals("ioctl(KVM_RUN)", e.syscall());
            assertTrue(e.getMessage().startsWith("ioctl(KVM_RUN) failed: "), e.getMessage());
        }
    }

    @Test
    void realModeGuestWritesToSerialPortAndHalts() throws Exception {
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             Fd memfd = Libc.memfdCreate("guest-ram", Libc.MFD_CLOEXEC);
             Mapping ram = mapGuestMemory(memfd);
             KvmVm vm = kvm.createVm()) {
            vm.setUserMemoryRegion(UserMemoryRegion.of(0, 0, ram.segment(), 0));
            MemorySegment.copy(HELLO, 0, ram.segment(), ValueLayout.JAVA_BYTE, CODE_ADDRESS, HELLO.length);
            try (KvmVcpu vcpu = vm.createVcpu(0)) {
                enterRealMode(vcpu);
                Run result = runUntilHalt(vcpu);
                assertEquals("OK\n", result.serial());
                assertEquals(KvmExitReason.HLT, result.last());
                assertEquals(KvmExitReason.HLT, vcpu.kvmRun().exitReason());
                assertEquals(CODE_ADDRESS + HELLO.length, vcpu.getRegs().rip(), "rip after hlt");
                assertEquals('\n', vcpu.getRegs().rax() & 0xff, "al holds the last byte written");
            }
        }
    }

    @Test
    void ioeventfdConsumesGuestWriteWithoutExit() throws Exception {
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             Mapping ram = Libc.mmapAnonymous(GUEST_MEMORY);
             KvmVm vm = kvm.createVm();
             Fd notify = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK)) {
            vm.setUserMemoryRegion(UserMemoryRegion.of(0, 0, ram.segment(), 0));
            MemorySegment.copy(NOTIFY_THEN_PRINT, 0, ram.segment(), ValueLayout.JAVA_BYTE, CODE_ADDRESS,
                    NOTIFY_THEN_PRINT.length);
            vm.registerIoeventfd(notify, NOTIFY_PORT, 1, KvmVm.KVM_IOEVENTFD_FLAG_PIO, 0);
            try (KvmVcpu vcpu = vm.createVcpu(0)) {
                enterRealMode(vcpu);
                Run result = runUntilHalt(vcpu);
                assertEquals("!", result.serial(), "only the serial write exits to userspace");
                assertEquals(KvmExitReason.HLT, result.last());
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment counter = arena.allocate(ValueLayout.JAVA_LONG);
                assertEquals(Long.BYTES, Libc.read(notify.get(), counter));
                assertEquals(1, counter.get(ValueLayout.JAVA_LONG, 0), "eventfd signalled once");
            }
            vm.unregisterIoeventfd(notify, NOTIFY_PORT, 1, KvmVm.KVM_IOEVENTFD_FLAG_PIO, 0);
            SyscallException again = assertThrows(SyscallException.class,
                    () -> vm.unregisterIoeventfd(notify, NOTIFY_PORT, 1, KvmVm.KVM_IOEVENTFD_FLAG_PIO, 0));
            assertEquals(Errno.ENOENT, again.errnoConstant().orElseThrow(), again.getMessage());
        }
    }

    /** The VM-level setup a PC-like VMM does before creating vCPUs, plus interrupt plumbing. */
    @Test
    void irqchipPitAndIrqfdSetUp() throws Exception {
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             KvmVm vm = kvm.createVm();
             Fd irq = Libc.eventfd(0, Libc.EFD_CLOEXEC)) {
            assertTrue(vm.checkExtension(KvmCap.KVM_CAP_IRQCHIP) > 0, "KVM_CAP_IRQCHIP");
            vm.setTssAddr(0xfffbd000L);
            vm.setIdentityMapAddr(0xfffbc000L);
            vm.createIrqchip();
            vm.createPit2(KvmVm.KVM_PIT_SPEAKER_DUMMY);
            vm.registerIrqfd(irq, 5);
            vm.irqLine(4, true);
            vm.irqLine(4, false);
            vm.unregisterIrqfd(irq, 5);
            SyscallException twice = assertThrows(SyscallException.class, vm::createIrqchip);
            assertEquals("ioctl(KVM_CREATE_IRQCHIP)", twice.syscall());
            try (KvmVcpu vcpu = vm.createVcpu(0)) {
                assertEquals(0, vcpu.getMpState(), "vCPU 0 starts runnable (KVM_MP_STATE_RUNNABLE)");
            }
        }
    }

    @Test
    void closedVcpuInvalidatesKvmRun() throws Exception {
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE); KvmVm vm = kvm.createVm()) {
            KvmRun run;
            try (KvmVcpu vcpu = vm.createVcpu(0)) {
                run = vcpu.kvmRun();
                run.exitReasonCode();
            }
            assertThrows(IllegalStateException.class, run::exitReasonCode);
        }
    }

    private static Mapping mapGuestMemory(Fd memfd) throws SyscallException {
        Libc.ftruncate(memfd.get(), GUEST_MEMORY);
        return Libc.mmap(GUEST_MEMORY, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, memfd.get(), 0);
    }

    /** Flat real mode at 0:CODE_ADDRESS (the reset state has CS base 0xffff0000). */
    private static void enterRealMode(KvmVcpu vcpu) throws SyscallException {
        KvmSregs sregs = vcpu.getSregs();
        vcpu.setSregs(sregs.withCs(sregs.cs().withBase(0).withSelector(0)));
        vcpu.setRegs(KvmRegs.initial().withRip(CODE_ADDRESS));
    }

    private record Run(String serial, KvmExitReason last) {
    }

    private static Run runUntilHalt(KvmVcpu vcpu) throws SyscallException {
        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        for (int exits = 0; exits < MAX_EXITS; exits++) {
            KvmExitReason reason = vcpu.run();
            switch (reason) {
                case IO -> {
                    IoExit io = vcpu.kvmRun().io();
                    assertTrue(io.isOut(), "unexpected port read: " + io);
                    assertEquals(SERIAL_PORT, io.port(), "unexpected port write: " + io);
                    serial.writeBytes(vcpu.kvmRun().ioData().toArray(ValueLayout.JAVA_BYTE));
                }
                case HLT -> {
                    return new Run(serial.toString(StandardCharsets.US_ASCII), reason);
                }
                default -> fail("unexpected exit " + reason.constantName() + " after serial output \""
                        + serial.toString(StandardCharsets.US_ASCII) + "\"; hardware reason 0x"
                        + Long.toHexString(vcpu.kvmRun().hardwareExitReason()));
            }
        }
        return fail("guest did not halt after " + MAX_EXITS + " exits; serial so far: " + serial);
    }
}
