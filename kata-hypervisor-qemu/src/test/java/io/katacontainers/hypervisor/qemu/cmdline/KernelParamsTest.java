package io.katacontainers.hypervisor.qemu.cmdline;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelParamsTest {
    @Test
    void microvmGetsEarlyTscAndTripleFaultReboot() {
        List<String> params = KernelParams.driverDefaults(MachineType.MICROVM, false, OptionalLong.of(2596124));
        assertEquals(List.of("console=ttyS0", "quiet", "no_timer_check", "tsc_early_khz=2596124", "reboot=t",
                "panic=-1"), params);
    }

    @Test
    void microvmWithoutKnownTscLeavesItOut() {
        List<String> params = KernelParams.driverDefaults(MachineType.MICROVM, false, OptionalLong.empty());
        assertTrue(params.stream().noneMatch(p -> p.startsWith("tsc_early_khz")), params::toString);
    }

    @Test
    void q35RebootsThroughKeyboardControllerAndNeedsNoEarlyTsc() {
        List<String> params = KernelParams.driverDefaults(MachineType.Q35, false, OptionalLong.of(2596124));
        assertTrue(params.contains("reboot=k"));
        assertFalse(params.stream().anyMatch(p -> p.startsWith("tsc_early_khz")));
    }

    @Test
    void debugReplacesQuiet() {
        List<String> params = KernelParams.driverDefaults(MachineType.Q35, true, OptionalLong.empty());
        assertTrue(params.contains("debug"));
        assertFalse(params.contains("quiet"));
    }

    @Test
    void configuredParamsComeLastAndOverrideDriverKeys() {
        List<String> defaults = List.of("console=ttyS0", "quiet", "reboot=t", "panic=-1");
        assertEquals("reboot=t panic=-1 console=hvc0 debug init=/init",
                KernelParams.compose(defaults, "  console=hvc0   debug init=/init "));
    }

    @Test
    void emptyConfigurationKeepsDefaults() {
        assertEquals("console=ttyS0 quiet", KernelParams.compose(List.of("console=ttyS0", "quiet"), ""));
        assertEquals("console=ttyS0 quiet", KernelParams.compose(List.of("console=ttyS0", "quiet"), null));
    }
}
