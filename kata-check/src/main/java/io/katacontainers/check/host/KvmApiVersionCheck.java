package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;
import io.katacontainers.check.KvmProbeResult;

/** Opens /dev/kvm and reads KVM_GET_API_VERSION, which every KVM since 2.6.22 answers with 12. */
public record KvmApiVersionCheck(int expected) implements KvmCheck {

    @Override
    public String name() {
        return "KVM API version";
    }


    @Override
    public CheckResult evaluate(HostContext host) {
        if (host.kvm().isEmpty()) {
            return result(CheckStatus.SKIP, host.kvmSkipReason());
        }
        KvmProbeResult kvm = host.kvm().get();
        if (kvm.deviceFailure().isPresent()) {
            KvmProbeResult.Failure failure = kvm.deviceFailure().get();
            return result(CheckStatus.FAIL, "cannot open /dev/kvm or read its API version: " + failure.message()
                    + remedy(failure));
        }
        return kvm.apiVersion() == expected
                ? result(CheckStatus.PASS, "KVM_GET_API_VERSION returned " + kvm.apiVersion())
                : result(CheckStatus.FAIL, "KVM_GET_API_VERSION returned " + kvm.apiVersion() + ", expected "
                        + expected + ": this kernel's KVM does not speak the stable API");
    }

    private static String remedy(KvmProbeResult.Failure failure) {
        return failure.errnoConstant().map(errno -> switch (errno) {
            case ENOENT, ENXIO, ENODEV -> ". Load KVM first (see the /dev/kvm check)";
            case EACCES, EPERM -> ". Run as root, or add the user to the group owning /dev/kvm";
            default -> "";
        }).orElse("");
    }
}
