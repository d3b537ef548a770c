package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;
import io.katacontainers.check.KvmProbeResult;

/**
 * A KVM capability queried with KVM_CHECK_EXTENSION.
 *
 * @param required true: the answer must be non-zero (a VMM feature); false: the answer is only reported,
 *                 as with arm64's IPA size, whose value differs between hosts. A missing required extension is
 *                 a warning: it rules out the built-in VMM, not Kata, since QEMU does without
 */
public record KvmExtensionCheck(String capabilityName, int capability, String description, boolean required,
                                Role role) implements KvmCheck {

    @Override
    public String name() {
        return "KVM extension " + capabilityName;
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
        KvmProbeResult.Failure failure = kvm.extensionFailures().get(capability);
        if (failure != null) {
            return result(CheckStatus.FAIL, description + ": " + failure.message());
        }
        Integer value = kvm.extensions().get(capability);
        if (value == null) {
            return result(CheckStatus.FAIL, "KVM_CHECK_EXTENSION was not answered for capability " + capability);
        }
        if (!required) {
            return result(CheckStatus.PASS, description + ": " + value);
        }
        return value > 0
                ? result(CheckStatus.PASS, description + ": supported")
                : result(CheckStatus.WARN, description + ": not supported by this kernel's KVM. The built-in VMM "
                        + "needs it: use QEMU (configuration-qemu.toml) or a newer kernel");
    }
}
