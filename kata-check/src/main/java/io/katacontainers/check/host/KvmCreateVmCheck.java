package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;
import io.katacontainers.check.KvmProbeResult;
import io.katacontainers.ffm.libc.Errno;

/** KVM_CREATE_VM, as Kata does, to prove a VM can exist right now; the VM is destroyed at once. */
public record KvmCreateVmCheck() implements KvmCheck {

    @Override
    public String name() {
        return "KVM_CREATE_VM";
    }


    @Override
    public CheckResult evaluate(HostContext host) {
        if (host.kvm().isEmpty()) {
            return result(CheckStatus.SKIP, host.kvmSkipReason());
        }
        KvmProbeResult kvm = host.kvm().get();
        if (kvm.deviceFailure().isPresent()) {
            return result(CheckStatus.SKIP, "/dev/kvm could not be opened (see KVM API version)");
        }
        if (kvm.createVmFailure().isEmpty()) {
            return result(CheckStatus.PASS, "created and destroyed a test VM");
        }
        KvmProbeResult.Failure failure = kvm.createVmFailure().get();
        if (failure.is(Errno.EBUSY)) {
            return result(CheckStatus.FAIL, "cannot create a VM: another hypervisor is running (EBUSY) and holds "
                    + "the virtualization extensions. Stop it (e.g. VirtualBox or VMware), then retry");
        }
        return result(CheckStatus.FAIL, "cannot create a VM: " + failure.message());
    }
}
