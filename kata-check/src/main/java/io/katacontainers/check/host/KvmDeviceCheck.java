package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;

/**
 * /dev/kvm must exist for any accelerated hypervisor.
 *
 * @param loadCommand the command that creates it on this platform, e.g. "modprobe kvm_intel"
 */
public record KvmDeviceCheck(String loadCommand) implements Check {
    static final String DEVICE = "/dev/kvm";

    @Override
    public String name() {
        return DEVICE;
    }

    @Override
    public Role role() {
        return Role.ACCELERATION;
    }

    @Override
    public CheckResult evaluate(HostContext host) {
        return host.root().exists(DEVICE)
                ? result(CheckStatus.PASS, DEVICE + " exists")
                : result(CheckStatus.FAIL, DEVICE + " does not exist: load KVM (" + loadCommand + "), or in a "
                        + "container pass the device in (--device " + DEVICE + "). Without it only QEMU with TCG "
                        + "works: configuration-qemu.toml");
    }
}
