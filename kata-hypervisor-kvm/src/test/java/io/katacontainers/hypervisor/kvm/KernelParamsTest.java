package io.katacontainers.hypervisor.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class KernelParamsTest {
    @Test
    void quietConsoleRebootThroughI8042AndNoPci() {
        assertEquals("console=ttyS0 quiet no_timer_check reboot=k panic=-1 pci=off", KernelParams.compose(false, ""));
        assertEquals("console=ttyS0 debug no_timer_check reboot=k panic=-1 pci=off", KernelParams.compose(true, null));
    }

    @Test
    void configuredParametersWinByKey() {
        assertEquals("no_timer_check reboot=k panic=-1 pci=off console=hvc0 debug agent.log=debug",
                KernelParams.compose(false, "  console=hvc0 debug   agent.log=debug "));
    }
}
