package io.katacontainers.hypervisor.kvm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The guest kernel command line of the built-in VMM: its own parameters, then the configuration's, which win for
 * the same key. The VMM appends the TSC frequency and the virtio-mmio devices when it boots.
 */
final class KernelParams {
    private KernelParams() {
    }

    static String compose(boolean debug, String configured) {
        List<String> own = List.of(
                // The 8250 at 0x3f8 prints from the first instruction on.
                "console=ttyS0",
                // Every console byte is a VM exit (through two levels when nested): keep the boot quiet.
                debug ? "debug" : "quiet",
                // The IO-APIC timer check misfires when vCPUs are descheduled; Kata skips it too.
                "no_timer_check",
                // Without ACPI a reboot through the i8042 is the guest's way to end the VM.
                "reboot=k",
                // Reboot, hence end the VM, at once on panic instead of leaving a dead guest running.
                "panic=-1",
                // No PCI bus here: skip probing the config-space ports.
                "pci=off");
        List<String> user = configured == null || configured.isBlank() ? List.of()
                : Arrays.asList(configured.strip().split("\\s+"));
        Set<String> userKeys = user.stream().map(KernelParams::key).collect(Collectors.toSet());
        List<String> result = new ArrayList<>();
        own.stream().filter(param -> !userKeys.contains(key(param))).forEach(result::add);
        result.addAll(user);
        return String.join(" ", result);
    }

    private static String key(String param) {
        int eq = param.indexOf('=');
        String key = eq < 0 ? param : param.substring(0, eq);
        return key.equals("debug") ? "quiet" : key;
    }
}
