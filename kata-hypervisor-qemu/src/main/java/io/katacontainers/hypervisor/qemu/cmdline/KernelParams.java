package io.katacontainers.hypervisor.qemu.cmdline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/** The guest kernel command line: the driver's own parameters, then the configuration's, which win. */
public final class KernelParams {
    private KernelParams() {
    }

    /**
     * Parameters this driver needs for the guest to boot reliably and for its lifecycle to work.
     *
     * @param tscKhz the host TSC frequency; on microvm, without {@code tsc_early_khz} about one boot in four
     *               hangs calibrating the TSC under TCG
     */
    public static List<String> driverDefaults(MachineType machine, boolean debug, OptionalLong tscKhz) {
        List<String> params = new ArrayList<>();
        // The console is the 8250 UART (ttyS0) on both machines: it prints from the first instruction on.
        params.add("console=ttyS0");
        // Every console character is a VM exit; under nested or emulated CPUs a chatty boot costs seconds.
        params.add(debug ? "debug" : "quiet");
        // The IO-APIC timer check misfires when vCPUs are descheduled or emulated; Kata skips it too.
        params.add("no_timer_check");
        if (machine == MachineType.MICROVM) {
            tscKhz.ifPresent(khz -> params.add("tsc_early_khz=" + khz));
        }
        params.add("reboot=" + machine.rebootMethod());
        // Reboot at once on panic; with -no-reboot QEMU then exits instead of leaving a dead guest running.
        params.add("panic=-1");
        return params;
    }

    /**
     * Joins the driver's parameters with the configured ones. A driver parameter whose key the configuration
     * also sets is left out, so the configuration decides (e.g. {@code console=hvc0}); {@code quiet} and
     * {@code debug} count as one key.
     */
    public static String compose(List<String> driverDefaults, String configured) {
        List<String> user = split(configured);
        Set<String> userKeys = new LinkedHashSet<>();
        user.forEach(param -> userKeys.add(key(param)));
        List<String> result = new ArrayList<>();
        for (String param : driverDefaults) {
            if (!userKeys.contains(key(param))) {
                result.add(param);
            }
        }
        result.addAll(user);
        return String.join(" ", result);
    }

    private static List<String> split(String params) {
        String trimmed = params == null ? "" : params.trim();
        return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
    }

    private static String key(String param) {
        int eq = param.indexOf('=');
        String key = eq < 0 ? param : param.substring(0, eq);
        return key.equals("debug") ? "quiet" : key;
    }
}
