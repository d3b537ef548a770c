package io.katacontainers.hypervisor.kvm.devices.legacy;

import static io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250.DATA;
import static io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250.IER;
import static io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250.IIR_FCR;
import static io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250.LCR;
import static io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250.LSR;
import static io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250.MCR;
import static io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250.MSR;
import static io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250.SCR;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The register behaviour Linux's 8250 driver relies on (autoconfig, console writes, THRE interrupts). */
class Serial8250Test {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final AtomicInteger interrupts = new AtomicInteger();
    private final Serial8250 uart = new Serial8250(out, interrupts::incrementAndGet);

    @Test
    void transmitsToTheOutputAndAlwaysLooksIdle() {
        for (byte b : "ok\n".getBytes(StandardCharsets.US_ASCII)) {
            uart.write(DATA, 1, b);
        }
        assertEquals("ok\n", out.toString(StandardCharsets.US_ASCII));
        assertEquals(0x60, uart.read(LSR, 1), "THR empty and transmitter idle, no data");
        assertEquals(0, interrupts.get(), "no interrupt unless enabled");
    }

    @Test
    void scratchAndDivisorLatchHoldTheirValues() {
        uart.write(SCR, 1, 0xa5);
        assertEquals(0xa5, uart.read(SCR, 1));
        uart.write(LCR, 1, 0x83); // DLAB
        uart.write(DATA, 1, 0x01);
        uart.write(IER, 1, 0x00);
        assertEquals(0x01, uart.read(DATA, 1));
        assertEquals(0x00, uart.read(IER, 1));
        uart.write(LCR, 1, 0x03);
        assertEquals(0, out.size(), "a divisor write is not data");
        uart.write(IER, 1, 0xff);
        assertEquals(0x0f, uart.read(IER, 1), "only the four defined IER bits stick");
    }

    @Test
    void loopbackMirrorsModemLinesAndEchoesData() {
        uart.write(MCR, 1, 0x1f); // loop + OUT2 + OUT1 + RTS + DTR
        assertEquals(0xf0, uart.read(MSR, 1) & 0xf0);
        uart.write(MCR, 1, 0x10);
        assertEquals(0x00, uart.read(MSR, 1) & 0xf0);
        uart.write(DATA, 1, 'z');
        assertEquals(0x61, uart.read(LSR, 1), "data ready in loopback");
        assertEquals('z', uart.read(DATA, 1));
        assertEquals(0, out.size(), "loopback data stays inside");
        uart.write(MCR, 1, 0x08);
        assertEquals(0xb0, uart.read(MSR, 1), "carrier, DSR, CTS outside loopback");
    }

    @Test
    void transmitterEmptyInterruptIsRaisedAndAcknowledgedByIir() {
        uart.write(IIR_FCR, 1, 0x01);
        assertEquals(0xc1, uart.read(IIR_FCR, 1), "FIFO on, nothing pending");
        uart.write(IER, 1, 0x02);
        assertEquals(1, interrupts.get(), "enabling THRE with an empty THR interrupts at once");
        assertEquals(0xc2, uart.read(IIR_FCR, 1));
        assertEquals(0xc1, uart.read(IIR_FCR, 1), "reading IIR acknowledged it");
        uart.write(DATA, 1, 'a');
        assertEquals(2, interrupts.get());
        assertEquals(0xc2, uart.read(IIR_FCR, 1));
    }

    @Test
    void failingOutputLosesTheByteButNotTheGuest() {
        Serial8250 broken = new Serial8250(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        }, () -> { });
        broken.write(DATA, 1, 'x');
        assertEquals(0x60, broken.read(LSR, 1));
    }
}
