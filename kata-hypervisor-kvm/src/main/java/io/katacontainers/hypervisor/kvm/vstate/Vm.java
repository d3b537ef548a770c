package io.katacontainers.hypervisor.kvm.vstate;

import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.ffm.kvm.KvmVm;
import io.katacontainers.ffm.kvm.UserMemoryRegion;
import io.katacontainers.ffm.libc.SyscallException;

import java.util.List;

/**
 * The KVM VM of one guest: guest RAM registered as memory slots (one per {@link GuestMemory} region), the x86
 * real-mode helper pages KVM needs outside RAM, and the in-kernel interrupt controllers (PIC, IOAPIC, local APICs)
 * and PIT. Does not own the memory: close this first, then the memory.
 */
public final class Vm implements AutoCloseable {
    /** Three pages KVM uses for the real-mode TSS on Intel: just below the BIOS area at the top of 4 GiB. */
    public static final long TSS_ADDRESS = 0xfffb_d000L;
    /** One page for the Intel real-mode identity page table, right below the TSS. */
    public static final long IDENTITY_MAP_ADDRESS = TSS_ADDRESS - 0x1000;

    private final KvmVm kvm;

    private Vm(KvmVm kvm) {
        this.kvm = kvm;
    }

    /**
     * Creates the VM with {@code memory} mapped and interrupt controllers in place.
     *
     * @param irqchip whether to create the in-kernel irqchip and PIT (every real guest; tiny test payloads that
     *                end with {@code hlt} need it off so that HLT exits to the VMM)
     */
    public static Vm create(KvmSystem system, GuestMemory memory, boolean irqchip) throws SyscallException {
        KvmVm kvm = system.createVm();
        try {
            List<GuestMemory.Region> regions = memory.regions();
            for (int slot = 0; slot < regions.size(); slot++) {
                GuestMemory.Region region = regions.get(slot);
                kvm.setUserMemoryRegion(UserMemoryRegion.of(slot, region.guestAddress(), region.host(), 0));
            }
            kvm.setTssAddr(TSS_ADDRESS);
            kvm.setIdentityMapAddr(IDENTITY_MAP_ADDRESS);
            if (irqchip) {
                kvm.createIrqchip();
                kvm.createPit2(KvmVm.KVM_PIT_SPEAKER_DUMMY);
            }
            return new Vm(kvm);
        } catch (SyscallException | RuntimeException e) {
            try {
                kvm.close();
            } catch (SyscallException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    /** The KVM VM fd, for vCPU creation, irqfd and ioeventfd registration. */
    public KvmVm kvm() {
        return kvm;
    }

    @Override
    public void close() throws SyscallException {
        kvm.close();
    }
}
