package io.katacontainers.hypervisor.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.katacontainers.hypervisor.kvm.arch.x86_64.Layout;
import io.katacontainers.hypervisor.kvm.devices.legacy.CmosRtc;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MmioIrqTest {
    @Test
    void everyVirtioMmioSlotGetsAnIrqOfItsOwnAndNoneTakesTheRtcs() {
        Set<Integer> taken = new HashSet<>();
        for (int index = 0; Vmm.mmioIrq(index) <= Layout.IRQ_MAX; index++) {
            int irq = Vmm.mmioIrq(index);
            assertFalse(irq == CmosRtc.IRQ, "slot " + index + " got the RTC's IRQ");
            assertEquals(true, taken.add(irq), "slot " + index + " shares IRQ " + irq);
        }
        assertEquals(Layout.IRQ_MAX - Layout.FIRST_DEVICE_IRQ, taken.size());
    }
}
