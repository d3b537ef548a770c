package io.katacontainers.api.kernel;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KernelCommandLineTest {

    @Test
    void everyDriverStartsWithItsConsoleQuietNoTimerCheckItsRebootMethodAndPanicReboot() {
        assertEquals("console=ttyS0 quiet no_timer_check reboot=t panic=-1",
                KernelCommandLine.forDriver("ttyS0", "t", false, "").line());
        assertEquals("console=hvc0 quiet no_timer_check reboot=k panic=-1",
                KernelCommandLine.forDriver("hvc0", "k", false, null).line());
    }

    @Test
    void debugReplacesQuiet() {
        assertEquals("console=ttyS0 debug no_timer_check reboot=k panic=-1",
                KernelCommandLine.forDriver("ttyS0", "k", true, "").line());
    }

    @Test
    void configuredParamsComeLastAndOverrideDriverKeysWithQuietAndDebugAsOneKey() {
        KernelCommandLine line = KernelCommandLine.forDriver("ttyS0", "t", false, "  console=hvc0   debug init=/init ");
        assertEquals("no_timer_check reboot=t panic=-1 console=hvc0 debug init=/init", line.line());
        assertEquals("console=ttyS0 no_timer_check reboot=t panic=-1 quiet",
                KernelCommandLine.forDriver("ttyS0", "t", true, "quiet").line());
    }

    @Test
    void addedDriverParamsAndTheTscFrequencyYieldToConfiguredOnes() {
        KernelCommandLine line = KernelCommandLine.forDriver("ttyS0", "k", false, "").withDriverParams("pci=off")
                .withTscKhz(2596124);
        assertEquals("console=ttyS0 quiet no_timer_check reboot=k panic=-1 pci=off tsc_early_khz=2596124",
                line.line());
        KernelCommandLine configured = new KernelCommandLine(line.driverParams(), "tsc_early_khz=1000 pci=on",
                List.of());
        assertEquals("console=ttyS0 quiet no_timer_check reboot=k panic=-1 tsc_early_khz=1000 pci=on",
                configured.line());
    }

    @Test
    void aTscFrequencyMustBePositive() {
        KernelCommandLine line = KernelCommandLine.forDriver("ttyS0", "k", false, "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> line.withTscKhz(0));
        assertEquals("a TSC frequency is positive, got 0 kHz", e.getMessage());
    }

    @Test
    void deviceParamsComeLastAndAreNeverLeftOut() {
        KernelCommandLine line = KernelCommandLine.forDriver("ttyS0", "k", false, "virtio_mmio.device=4K@0x1000:4")
                .withDeviceParams(List.of("virtio_mmio.device=4K@0xd0000000:5"))
                .withDeviceParams(List.of("virtio_mmio.device=4K@0xd0001000:6"));
        assertEquals("console=ttyS0 quiet no_timer_check reboot=k panic=-1 virtio_mmio.device=4K@0x1000:4 "
                + "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6", line.line());
    }

    @Test
    void withoutDriverParamsTheLineIsWhatIsConfigured() {
        assertEquals("console=ttyS0", new KernelCommandLine(List.of(), "console=ttyS0", List.of()).line());
        assertEquals("", new KernelCommandLine(List.of(), " ", List.of()).line());
    }
}
