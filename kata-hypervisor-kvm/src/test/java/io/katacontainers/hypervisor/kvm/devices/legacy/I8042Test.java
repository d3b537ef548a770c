package io.katacontainers.hypervisor.kvm.devices.legacy;

import static io.katacontainers.hypervisor.kvm.devices.legacy.I8042.COMMAND;
import static io.katacontainers.hypervisor.kvm.devices.legacy.I8042.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class I8042Test {
    private final AtomicInteger resets = new AtomicInteger();
    private final I8042 controller = new I8042(resets::incrementAndGet);

    @Test
    void resetCommandRequestsShutdownAndInputBufferNeverBlocksTheWait() {
        // Linux's reboot=k polls status bit 1 (input buffer full) before each 0xFE: it must read clear.
        assertEquals(0, controller.read(COMMAND, 1) & 0x02);
        controller.write(COMMAND, 1, 0xfe);
        assertEquals(1, resets.get());
        controller.write(DATA, 1, 0xfe);
        assertEquals(1, resets.get(), "0xFE on the data port is not a reset");
    }

    @Test
    void controllerCommandsAnswerThroughTheOutputBuffer() {
        controller.write(COMMAND, 1, 0xaa);
        assertEquals(1, controller.read(COMMAND, 1) & 0x01, "output buffer full");
        assertEquals(0x55, controller.read(DATA, 1), "self test passed");
        assertEquals(0, controller.read(COMMAND, 1) & 0x01);
        controller.write(COMMAND, 1, 0x60);
        controller.write(DATA, 1, 0x47);
        controller.write(COMMAND, 1, 0x20);
        assertEquals(0x47, controller.read(DATA, 1));
        assertEquals(0, resets.get());
    }
}
