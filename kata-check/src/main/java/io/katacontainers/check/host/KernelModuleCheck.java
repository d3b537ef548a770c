package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;

import java.io.IOException;

/**
 * A kernel module that must be loaded (it has a /sys/module entry) or built into the kernel. When absent,
 * /lib/modules of the running kernel tells whether "modprobe" would help.
 *
 * @param required false for modules Kata can do without (a missing one is then a warning)
 */
public record KernelModuleCheck(String module, String description, boolean required, Role role) implements Check {

    @Override
    public String name() {
        return "kernel module " + module;
    }

    @Override
    public CheckResult evaluate(HostContext host) throws IOException {
        if (host.root().exists("/sys/module/" + module)) {
            return result(CheckStatus.PASS, description + ": loaded");
        }
        ModuleIndex.Availability availability = ModuleIndex.lookup(host.root(), module);
        if (availability.builtIn()) {
            return result(CheckStatus.PASS, description + ": " + availability.explanation());
        }
        String reason = description + ": not loaded; " + availability.explanation();
        return required
                ? result(CheckStatus.FAIL, reason)
                : result(CheckStatus.WARN, reason + " (optional)");
    }
}
