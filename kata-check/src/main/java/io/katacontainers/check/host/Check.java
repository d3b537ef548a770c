package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStage;
import io.katacontainers.check.CheckStatus;

import java.io.IOException;

/**
 * One host requirement. Checks only read; none loads modules or changes the host (Kata's Go check runs
 * modprobe as root; we say which command to run instead).
 */
public sealed interface Check permits CpuAttributeCheck, CpuFlagCheck, KernelModuleCheck, ModuleParameterCheck,
        SmtOffCheck, KvmDeviceCheck, SoftwareHypervisorCheck, KvmCheck {

    String name();

    Role role();

    default CheckStage stage() {
        return CheckStage.HOST;
    }

    /** An IOException means the host root could not be read; the engine reports it as this check's failure. */
    CheckResult evaluate(HostContext host) throws IOException;

    default CheckResult result(CheckStatus status, String reason) {
        return new CheckResult(name(), stage(), status, reason);
    }
}
