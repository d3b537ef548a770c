package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;

/** A word that must appear in /proc/cpuinfo, such as the vendor string (Kata's "CPU attribute"). */
public record CpuAttributeCheck(String attribute, String description) implements Check {

    @Override
    public String name() {
        return "cpu attribute " + attribute;
    }

    @Override
    public Role role() {
        return Role.GENERAL;
    }

    @Override
    public CheckResult evaluate(HostContext host) {
        return host.cpu().containsWord(attribute)
                ? result(CheckStatus.PASS, description + ": " + attribute + " found in /proc/cpuinfo")
                : result(CheckStatus.FAIL, description + ": " + attribute + " not found in /proc/cpuinfo");
    }
}
