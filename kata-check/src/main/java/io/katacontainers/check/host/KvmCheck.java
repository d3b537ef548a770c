package io.katacontainers.check.host;

import io.katacontainers.check.CheckStage;

/** A check that asks /dev/kvm itself through ioctls: it decides acceleration and runs in the KVM stage. */
public sealed interface KvmCheck extends Check permits KvmApiVersionCheck, KvmCreateVmCheck, KvmExtensionCheck {

    @Override
    default Role role() {
        return Role.ACCELERATION;
    }

    @Override
    default CheckStage stage() {
        return CheckStage.KVM;
    }
}
