package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;

import java.util.Set;

/**
 * A CPU feature that must be listed on a flags line of /proc/cpuinfo.
 *
 * @param line   the cpuinfo key holding the flags: "flags" on x86, "features" on s390x
 * @param remedy what to do when it is missing
 */
public record CpuFlagCheck(String line, String flag, String description, Role role, String remedy) implements Check {

    @Override
    public String name() {
        return "cpu flag " + flag;
    }

    @Override
    public CheckResult evaluate(HostContext host) {
        Set<String> flags = host.cpu().words(line);
        if (flags.isEmpty()) {
            return result(CheckStatus.FAIL, description + ": /proc/cpuinfo has no '" + line + "' line to look for "
                    + flag + " in");
        }
        return flags.contains(flag)
                ? result(CheckStatus.PASS, description + ": " + flag + " present")
                : result(CheckStatus.FAIL, description + ": " + flag + " is missing from the '" + line
                        + "' line of /proc/cpuinfo. " + remedy);
    }
}
