package io.katacontainers.hypervisor.kvm.arch.x86_64;

import io.katacontainers.ffm.kvm.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * The CPUID a vCPU sees: what KVM supports on this host, with each vCPU's APIC id and the VM's CPU count filled
 * in, the hypervisor bit set, and features this VMM does not provide removed (nested virtualization, a PMU it does not
 * program, MONITOR/MWAIT, which would let the guest idle without exiting).
 */
public final class Cpuid {
    static final int LEAF_FEATURES = 0x1;
    static final int LEAF_CACHE_TOPOLOGY = 0x4;
    static final int LEAF_THERMAL_POWER = 0x6;
    static final int LEAF_STRUCTURED_FEATURES = 0x7;
    static final int LEAF_PERFMON = 0xa;
    static final int LEAF_XSAVE = 0xd;
    static final int LEAF_TOPOLOGY = 0xb;
    static final int LEAF_TOPOLOGY_V2 = 0x1f;
    static final int LEAF_EXT_FEATURES = 0x8000_0001;

    static final int ECX_MONITOR = 1 << 3;
    static final int ECX_VMX = 1 << 5;
    static final int ECX_HYPERVISOR = 1 << 31;
    static final int EDX_HTT = 1 << 28;
    static final int EXT_ECX_SVM = 1 << 2;
    static final int ECX_AVX = 1 << 28;
    static final int ECX_XSAVE = 1 << 26;
    static final int LEAF7_EBX_MPX = 1 << 14;
    static final int LEAF7_EBX_AVX512F = 1 << 16;
    static final int LEAF7_ECX_PKU = 1 << 3;
    /** The legacy XSAVE area (x87 and SSE state) plus the XSAVE header. */
    static final int XSAVE_LEGACY_SIZE = 576;

    private Cpuid() {
    }

    /** The entries for vCPU {@code vcpuId} of {@code vcpuCount}, from KVM_GET_SUPPORTED_CPUID's answer. */
    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int vcpuId, int vcpuCount) {
        List<CpuidEntry> result = new ArrayList<>(supported.size());
        long xfeatures = usableXfeatures(supported);
        for (CpuidEntry e : supported) {
            CpuidEntry adjusted = switch (e.function()) {
                case LEAF_XSAVE -> xsave(e, xfeatures, supported);
                case LEAF_FEATURES -> {
                    // EBX: 31-24 initial APIC id, 23-16 logical processors per package, 15-8 CLFLUSH line size.
                    int ebx = (e.ebx() & 0x0000_ffff) | (vcpuId << 24) | (vcpuCount << 16);
                    int ecx = (e.ecx() & ~(ECX_VMX | ECX_MONITOR)) | ECX_HYPERVISOR;
                    int edx = vcpuCount > 1 ? e.edx() | EDX_HTT : e.edx() & ~EDX_HTT;
                    yield new CpuidEntry(e.function(), e.index(), e.flags(), e.eax(), ebx, ecx, edx);
                }
                case LEAF_CACHE_TOPOLOGY -> {
                    // EAX 31-26: cores per package - 1; 25-14: logical CPUs sharing this cache - 1 (all of them).
                    int eax = (e.eax() & 0x3fff) | ((vcpuCount - 1) << 26) | ((vcpuCount - 1) << 14);
                    yield new CpuidEntry(e.function(), e.index(), e.flags(), eax, e.ebx(), e.ecx(), e.edx());
                }
                case LEAF_THERMAL_POWER -> new CpuidEntry(e.function(), e.index(), e.flags(), 0, 0, 0, 0);
                case LEAF_PERFMON -> new CpuidEntry(e.function(), e.index(), e.flags(), 0, 0, 0, 0);
                case LEAF_TOPOLOGY, LEAF_TOPOLOGY_V2 ->
                    // EDX: the x2APIC id of this vCPU, whatever the level.
                        new CpuidEntry(e.function(), e.index(), e.flags(), e.eax(), e.ebx(), e.ecx(), vcpuId);
                case LEAF_EXT_FEATURES -> new CpuidEntry(e.function(), e.index(), e.flags(), e.eax(), e.ebx(),
                        e.ecx() & ~EXT_ECX_SVM, e.edx());
                default -> e;
            };
            result.add(adjusted);
        }
        return List.copyOf(result);
    }

    /**
     * XSAVE state components whose instructions the vCPU has: a component without its feature bit (AVX under an
     * emulating L1, for one) would make the kernel size its buffers for state it never uses, or worse the reverse.
     */
    public static long usableXfeatures(List<CpuidEntry> entries) {
        long mask = 0x3; // x87, SSE
        CpuidEntry features = find(entries, LEAF_FEATURES, 0);
        CpuidEntry structured = find(entries, LEAF_STRUCTURED_FEATURES, 0);
        if (features != null && (features.ecx() & ECX_AVX) != 0) {
            mask |= 1L << 2;
        }
        if (structured != null) {
            if ((structured.ebx() & LEAF7_EBX_MPX) != 0) {
                mask |= 0x18;
            }
            if ((structured.ebx() & LEAF7_EBX_AVX512F) != 0) {
                mask |= 0xe0;
            }
            if ((structured.ecx() & LEAF7_ECX_PKU) != 0) {
                mask |= 1L << 9;
            }
        }
        CpuidEntry xsave = find(entries, LEAF_XSAVE, 0);
        return xsave == null ? mask : mask & (Integer.toUnsignedLong(xsave.eax())
                | (Integer.toUnsignedLong(xsave.edx()) << 32));
    }

    /**
     * Leaf 0xD: subleaf 0 offers only {@code xfeatures}, with the XSAVE area size for all of them in both ECX and EBX
     * (the kernel enables every offered component, then checks EBX against its own sum); subleaves of components
     * not offered read as zero.
     */
    private static CpuidEntry xsave(CpuidEntry e, long xfeatures, List<CpuidEntry> all) {
        if (e.index() == 0) {
            int size = XSAVE_LEGACY_SIZE;
            for (int component = 2; component < 64; component++) {
                CpuidEntry sub = find(all, LEAF_XSAVE, component);
                if ((xfeatures & (1L << component)) != 0 && sub != null) {
                    size = Math.max(size, sub.ebx() + sub.eax());
                }
            }
            return new CpuidEntry(e.function(), e.index(), e.flags(), (int) xfeatures, size, size,
                    (int) (xfeatures >>> 32));
        }
        if (e.index() >= 2 && e.index() < 64 && (xfeatures & (1L << e.index())) == 0) {
            return new CpuidEntry(e.function(), e.index(), e.flags(), 0, 0, 0, 0);
        }
        return e;
    }

    /** Whether the vCPU has XSAVE at all (CPUID.1:ECX bit 26). */
    public static boolean hasXsave(List<CpuidEntry> entries) {
        CpuidEntry features = find(entries, LEAF_FEATURES, 0);
        return features != null && (features.ecx() & ECX_XSAVE) != 0;
    }

    private static CpuidEntry find(List<CpuidEntry> entries, int function, int index) {
        for (CpuidEntry e : entries) {
            if (e.function() == function && e.index() == index) {
                return e;
            }
        }
        return null;
    }
}
