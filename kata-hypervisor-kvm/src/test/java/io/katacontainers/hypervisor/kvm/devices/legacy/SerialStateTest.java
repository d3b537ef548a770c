package io.katacontainers.hypervisor.kvm.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** A UART's registers through a snapshot: a fresh UART that takes them back reads back what the driver set. */
class SerialStateTest {
    @Test
    void aFreshUartTakesBackTheDriversSettings() {
        Serial8250 saved = new Serial8250(new ByteArrayOutputStream(), () -> { });
        saved.write(Serial8250.LCR, 1, Serial8250.LCR_DLAB | 0x03);
        saved.write(Serial8250.DATA, 1, 0x01);
        saved.write(Serial8250.IER, 1, 0x00);
        saved.write(Serial8250.LCR, 1, 0x1b);
        saved.write(Serial8250.SCR, 1, 0x5a);
        saved.write(Serial8250.MCR, 1, 0x0b);
        saved.write(Serial8250.IIR_FCR, 1, Serial8250.FCR_FIFO_ENABLE);
        saved.write(Serial8250.IER, 1, Serial8250.IER_THR_EMPTY);
        SerialState state = saved.state();

        AtomicInteger interrupts = new AtomicInteger();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Serial8250 restored = new Serial8250(console, interrupts::incrementAndGet);
        restored.restore(state);

        assertEquals(state, restored.state());
        int[] registers = {Serial8250.IER, Serial8250.LCR, Serial8250.MCR, Serial8250.SCR, Serial8250.IIR_FCR};
        for (int register : registers) {
            assertEquals(saved.read(register, 1), restored.read(register, 1), "register " + register);
        }
        restored.write(Serial8250.DATA, 1, 'x');
        assertEquals("x", console.toString(), "the restored UART transmits");
        assertEquals(1, interrupts.get(), "and raises the transmitter-empty interrupt the driver enabled");
    }
}
