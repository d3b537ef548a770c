package io.katacontainers.check.host;

import io.katacontainers.check.KvmProbeResult;

import java.util.Optional;

/**
 * Everything a check may look at.
 *
 * @param kvm           the ioctl probe's answers, when it ran
 * @param kvmSkipReason why it did not run (shown on the skipped KVM checks)
 */
public record HostContext(HostRoot root, CpuInfo cpu, Optional<KvmProbeResult> kvm, String kvmSkipReason) {
}
