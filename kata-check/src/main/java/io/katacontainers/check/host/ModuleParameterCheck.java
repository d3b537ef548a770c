package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;

import java.io.IOException;
import java.util.Optional;

/**
 * A kernel module parameter that must have a value, read from /sys/module/&lt;module&gt;/parameters.
 * Kata's Go check declares kvm_intel's unrestricted_guest=Y but, through an inverted condition, never
 * evaluates it; this one does.
 *
 * @param waivedOnVirtualMachine when the host is itself a VM (cpu flag "hypervisor") a wrong value is only a
 *                               warning: hypervisors often hide the feature from nested guests, and Kata
 *                               accepts that too
 */
public record ModuleParameterCheck(String module, String parameter, String expected, String description,
                                   boolean waivedOnVirtualMachine, String remedy) implements Check {

    @Override
    public String name() {
        return "module parameter " + module + "." + parameter;
    }

    /** Kata's "CPU is recent enough" heuristic: KVM still works without unrestricted guest mode. */
    @Override
    public Role role() {
        return Role.GENERAL;
    }

    @Override
    public CheckResult evaluate(HostContext host) throws IOException {
        if (!host.root().exists("/sys/module/" + module)) {
            return result(CheckStatus.SKIP, module + " is not loaded (see kernel module " + module + ")");
        }
        String path = "/sys/module/" + module + "/parameters/" + parameter;
        Optional<String> value = host.root().read(path);
        if (value.isEmpty()) {
            return result(CheckStatus.FAIL, description + ": " + path + " does not exist, so " + module
                    + " does not report " + parameter + ". " + remedy);
        }
        String found = parameter + "=" + value.get();
        if (value.get().equals(expected)) {
            return result(CheckStatus.PASS, description + ": " + found);
        }
        if (waivedOnVirtualMachine && host.cpu().runsOnHypervisor()) {
            return result(CheckStatus.WARN, description + ": " + found + ", expected " + expected
                    + "; accepted because this host is itself a virtual machine (cpu flag 'hypervisor')");
        }
        return result(CheckStatus.FAIL, description + ": " + found + ", expected " + expected + ". " + remedy);
    }
}
