package io.katacontainers.hypervisor.kvm.snapshot;

import io.katacontainers.ffm.kvm.MsrEntry;

import java.util.List;

/**
 * One vCPU's KVM state, each struct kept as the bytes KVM gave (this host's layouts: the snapshot identity pins the
 * host kernel), except the MSRs, which are a list because the set to save is KVM's own
 * (KVM_GET_MSR_INDEX_LIST).
 *
 * @param mpState    KVM_MP_STATE_* (runnable, halted...)
 * @param tscKhz     the guest TSC frequency; a restore on a host whose TSC runs at another rate sets it (scaling)
 * @param cpuid      the CPUID entries the vCPU was given, as kvm_cpuid_entry2 structs back to back
 * @param regs       kvm_regs
 * @param sregs      kvm_sregs
 * @param xsave      kvm_xsave (x87, SSE, AVX... state)
 * @param xcrs       kvm_xcrs
 * @param debugRegs  kvm_debugregs
 * @param lapic      kvm_lapic_state
 * @param events     kvm_vcpu_events (pending exception, interrupt, NMI)
 */
public record VcpuState(int id, int mpState, int tscKhz, byte[] cpuid, byte[] regs, byte[] sregs, byte[] xsave,
                        byte[] xcrs, byte[] debugRegs, byte[] lapic, List<MsrEntry> msrs, byte[] events) {
    public VcpuState {
        msrs = List.copyOf(msrs);
    }
}
