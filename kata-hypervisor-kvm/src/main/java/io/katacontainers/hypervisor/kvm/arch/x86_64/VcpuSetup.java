package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.ffm.kvm.CpuidEntry;
import io.katacontainers.ffm.kvm.KvmDtable;
import io.katacontainers.ffm.kvm.KvmRegs;
import io.katacontainers.ffm.kvm.KvmSregs;
import io.katacontainers.ffm.kvm.KvmVcpu;
import io.katacontainers.ffm.libc.SyscallException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A vCPU's state at power-on: CPUID, MSRs, FPU and local APIC for every vCPU; for the boot vCPU also the registers
 * the kernel's entry expects. Application processors stay in KVM's wait-for-SIPI state and are started by the
 * kernel through the local APIC.
 */
public final class VcpuSetup {
    static final int FPU_CONTROL_WORD = 0x37f;
    static final int MXCSR = 0x1f80;
    static final int APIC_LVT0 = 0x350;
    static final int APIC_LVT1 = 0x360;
    static final int APIC_MODE_NMI = 0x4;
    static final int APIC_MODE_EXTINT = 0x7;

    static final long CR0_PE = 1;
    static final long CR0_ET = 0x10;
    static final long CR0_PG = 0x8000_0000L;
    static final long CR4_PAE = 0x20;
    static final long EFER_LME = 0x100;
    static final long EFER_LMA = 0x400;

    private VcpuSetup() {
    }

    /** State every vCPU needs. {@code supportedCpuid} is KVM_GET_SUPPORTED_CPUID's answer. */
    public static void configure(KvmVcpu vcpu, List<CpuidEntry> supportedCpuid, int vcpuCount, boolean irqchip)
            throws SyscallException {
        List<CpuidEntry> cpuid = Cpuid.forVcpu(supportedCpuid, vcpu.id(), vcpuCount);
        vcpu.setCpuid2(cpuid);
        if (Cpuid.hasXsave(cpuid)) {
            // KVM sizes leaf 0xD's EBX from the XCR0 it holds when CPUID is set, and does not redo it when the
            // guest turns on AVX state: set XCR0 to what the kernel will enable, then CPUID again, so the kernel's
            // XSAVE size check passes instead of falling back to FXSAVE (which hides AVX from user space).
            vcpu.setXcr0(Cpuid.usableXfeatures(cpuid));
            vcpu.setCpuid2(cpuid);
        }
        vcpu.setMsrs(Msrs.boot());
        vcpu.setFpu(FPU_CONTROL_WORD, MXCSR);
        if (irqchip) {
            vcpu.setLapic(withLocalInterrupts(vcpu.getLapic()));
        }
    }

    /** Registers of the boot vCPU at the kernel's entry, for the protocol of {@code kernel}. */
    public static void enter(KvmVcpu vcpu, KernelImage kernel) throws SyscallException {
        boolean longMode = kernel instanceof BzImage;
        long[] gdt = Gdt.table(longMode);
        KvmSregs sregs = vcpu.getSregs()
                .withGdt(new KvmDtable(Layout.GDT_START, gdt.length * 8 - 1))
                .withIdt(new KvmDtable(Layout.IDT_START, 7))
                .withCs(Gdt.segment(gdt[Gdt.CODE_SELECTOR / 8], Gdt.CODE_SELECTOR))
                .withDataSegments(Gdt.segment(gdt[Gdt.DATA_SELECTOR / 8], Gdt.DATA_SELECTOR))
                .withTr(Gdt.segment(gdt[Gdt.TSS_SELECTOR / 8], Gdt.TSS_SELECTOR));
        KvmRegs initial = KvmRegs.initial();
        KvmRegs regs;
        if (longMode) {
            sregs = sregs.withControl(CR0_PE | CR0_ET | CR0_PG, Layout.PML4_START, CR4_PAE, EFER_LME | EFER_LMA);
            regs = new KvmRegs(0, 0, 0, 0, Layout.ZERO_PAGE_START, 0, Layout.BOOT_STACK_POINTER,
                    Layout.BOOT_STACK_POINTER, 0, 0, 0, 0, 0, 0, 0, 0, kernel.entry(), initial.rflags());
        } else {
            sregs = sregs.withControl(CR0_PE | CR0_ET, 0, 0, 0);
            regs = new KvmRegs(0, Layout.PVH_INFO_START, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, kernel.entry(),
                    initial.rflags());
        }
        vcpu.setSregs(sregs);
        vcpu.setRegs(regs);
    }

    /** LINT0 delivers the PIC's ExtINT, LINT1 NMIs, as a BIOS programs them for virtual-wire mode. */
    static byte[] withLocalInterrupts(byte[] lapic) {
        ByteBuffer regs = ByteBuffer.wrap(lapic).order(ByteOrder.LITTLE_ENDIAN);
        regs.putInt(APIC_LVT0, deliveryMode(regs.getInt(APIC_LVT0), APIC_MODE_EXTINT));
        regs.putInt(APIC_LVT1, deliveryMode(regs.getInt(APIC_LVT1), APIC_MODE_NMI));
        return lapic;
    }

    private static int deliveryMode(int lvt, int mode) {
        return (lvt & ~0x700) | (mode << 8);
    }
}
