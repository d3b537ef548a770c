package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;

import java.util.Set;

/**
 * x86 only: /dev/kvm can be served by PVM (module kvm_pvm), a page-table based software hypervisor for
 * clouds without nested VT-x/SVM. It runs PVM-enabled guest kernels only; a stock kernel is emulated at
 * CPL0 and does not boot in useful time. Kata's Go check would call such a host capable if the modules
 * were there; we say plainly that it is not accelerated.
 */
public record SoftwareHypervisorCheck() implements Check {
    private static final String CONSEQUENCE = "stock guest kernels cannot run accelerated on it (only PVM-enabled "
            + "guest kernels can). Use QEMU with TCG: configuration-qemu.toml";

    @Override
    public String name() {
        return "software hypervisor (PVM)";
    }

    @Override
    public Role role() {
        return Role.ACCELERATION;
    }

    @Override
    public CheckResult evaluate(HostContext host) {
        if (host.root().exists("/sys/module/kvm_pvm")) {
            return result(CheckStatus.FAIL, "/dev/kvm is provided by PVM (module kvm_pvm loaded), a software "
                    + "hypervisor without hardware virtualization: " + CONSEQUENCE);
        }
        Set<String> flags = host.cpu().words("flags");
        boolean hardware = flags.contains("vmx") || flags.contains("svm");
        if (host.root().exists(KvmDeviceCheck.DEVICE) && !hardware) {
            return result(CheckStatus.FAIL, "/dev/kvm exists but the CPU has neither vmx nor svm, so it is served "
                    + "by a software hypervisor (such as PVM): " + CONSEQUENCE);
        }
        return result(CheckStatus.PASS, "no software hypervisor: kvm_pvm is not loaded"
                + (hardware ? " and the CPU has hardware virtualization" : ""));
    }
}
