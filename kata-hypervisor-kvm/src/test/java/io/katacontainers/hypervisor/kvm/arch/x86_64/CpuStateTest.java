package io.katacontainers.hypervisor.kvm.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.katacontainers.ffm.kvm.CpuidEntry;
import io.katacontainers.ffm.kvm.KvmSegment;

import java.util.List;

import org.junit.jupiter.api.Test;

/** GDT descriptors, CPUID filtering and the LAPIC's local interrupt setup. */
class CpuStateTest {
    @Test
    void gdtDescriptorsDecodeToFlatSegments() {
        assertEquals(0x00af_9b00_0000_ffffL, Gdt.entry(Gdt.CODE_64, 0, 0xfffff));
        assertEquals(0x00cf_9300_0000_ffffL, Gdt.entry(Gdt.DATA, 0, 0xfffff));
        KvmSegment code = Gdt.segment(Gdt.entry(Gdt.CODE_64, 0, 0xfffff), Gdt.CODE_SELECTOR);
        assertEquals(new KvmSegment(0, 0xffff_ffff, 0x10, 0xb, 1, 0, 0, 1, 1, 1, 0, 0), code);
        KvmSegment code32 = Gdt.segment(Gdt.entry(Gdt.CODE_32, 0, 0xfffff), Gdt.CODE_SELECTOR);
        assertEquals(1, code32.db());
        assertEquals(0, code32.l());
        KvmSegment based = Gdt.segment(Gdt.entry(0x008b, 0x1234_5678L, 0x67), Gdt.TSS_SELECTOR); // byte granular
        assertEquals(0x1234_5678L, based.base());
        assertEquals(0x67, based.limit());
    }

    @Test
    void cpuidCarriesApicIdsTopologyAndHypervisorBitWithoutNestedVirtualization() {
        List<CpuidEntry> host = List.of(
                new CpuidEntry(1, 0, 0, 0x806f8, 0xff_08_0800, (1 << 5) | (1 << 3) | 1, 1 << 28),
                new CpuidEntry(0xb, 1, 1, 1, 2, 0x201, 7),
                new CpuidEntry(0xa, 0, 0, 0x7300403, 0, 0, 0x603),
                new CpuidEntry(0x8000_0001, 0, 0, 0, 0, (1 << 2) | 1, 0));
        List<CpuidEntry> vcpu2 = Cpuid.forVcpu(host, 2, 4);
        CpuidEntry leaf1 = vcpu2.get(0);
        assertEquals(2, leaf1.ebx() >>> 24, "initial APIC id");
        assertEquals(4, (leaf1.ebx() >> 16) & 0xff, "logical processors");
        assertEquals(0x0800, leaf1.ebx() & 0xffff, "CLFLUSH size kept");
        assertEquals(1 | (1 << 31), leaf1.ecx(), "no VMX, no MONITOR, hypervisor present");
        assertEquals(2, vcpu2.get(1).edx(), "x2APIC id");
        assertEquals(new CpuidEntry(0xa, 0, 0, 0, 0, 0, 0), vcpu2.get(2), "no PMU");
        assertEquals(1, vcpu2.get(3).ecx(), "no SVM");
        assertEquals(0, Cpuid.forVcpu(host, 0, 1).get(0).edx() & (1 << 28), "no HTT with one vCPU");
    }

    @Test
    void xsaveLeafOffersOnlyComponentsWhoseFeaturesExist() {
        List<CpuidEntry> host = List.of(
                new CpuidEntry(1, 0, 0, 0, 0, 0, 0), // no AVX
                new CpuidEntry(7, 0, 1, 0, 0, 1 << 3, 0), // PKU
                new CpuidEntry(0xd, 0, 1, 0x207, 0x240, 0xa88, 0),
                new CpuidEntry(0xd, 2, 1, 0x100, 0x240, 0, 0),
                new CpuidEntry(0xd, 9, 1, 8, 0xa80, 0, 0));
        List<CpuidEntry> out = Cpuid.forVcpu(host, 0, 1);
        assertEquals(new CpuidEntry(0xd, 0, 1, 0x203, 0xa88, 0xa88, 0), out.get(2));
        assertEquals(new CpuidEntry(0xd, 2, 1, 0, 0, 0, 0), out.get(3), "AVX state hidden");
        assertEquals(host.get(4), out.get(4), "PKRU kept");
    }

    @Test
    void lapicLocalInterruptsAreVirtualWire() {
        byte[] lapic = new byte[1024];
        lapic[VcpuSetup.APIC_LVT0 + 1] = 0x07; // garbage delivery mode bits
        lapic[VcpuSetup.APIC_LVT0 + 2] = 0x01; // masked bit (16) survives
        byte[] set = VcpuSetup.withLocalInterrupts(lapic);
        assertEquals(0x07, set[VcpuSetup.APIC_LVT0 + 1] & 0x07, "ExtINT");
        assertEquals(0x01, set[VcpuSetup.APIC_LVT0 + 2]);
        assertEquals(0x04, set[VcpuSetup.APIC_LVT1 + 1] & 0x07, "NMI");
    }
}
