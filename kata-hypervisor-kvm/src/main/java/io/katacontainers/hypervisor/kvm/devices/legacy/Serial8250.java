package io.katacontainers.hypervisor.kvm.devices.legacy;

import io.katacontainers.hypervisor.kvm.devices.BusDevice;
import io.katacontainers.hypervisor.kvm.devices.Interrupt;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A 16550A-compatible UART as Linux's 8250 driver probes and drives it: transmit only (the guest console), with the
 * scratch, divisor latch, loopback and modem-status behaviour the driver's autoconfig checks, and a transmitter-empty
 * interrupt. The transmitter is always empty: each byte written to THR goes to the output at once.
 */
public final class Serial8250 implements BusDevice {
    private static final System.Logger LOG = System.getLogger(Serial8250.class.getName());

    /** COM1's ports and IRQ. */
    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_IRQ = 4;
    public static final int PORT_COUNT = 8;

    // Register offsets; DLL/DLM replace RBR/THR and IER while LCR.DLAB is set.
    static final int DATA = 0;
    static final int IER = 1;
    static final int IIR_FCR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RX_DATA = 0x01;
    static final int IER_THR_EMPTY = 0x02;
    static final int IER_MASK = 0x0f;
    static final int IIR_NO_INTERRUPT = 0x01;
    static final int IIR_THR_EMPTY = 0x02;
    static final int IIR_RX_DATA = 0x04;
    static final int IIR_FIFO_ENABLED = 0xc0;
    static final int FCR_FIFO_ENABLE = 0x01;
    static final int LCR_DLAB = 0x80;
    static final int MCR_LOOP = 0x10;
    static final int LSR_DATA_READY = 0x01;
    static final int LSR_THR_EMPTY = 0x20;
    static final int LSR_IDLE = 0x40;
    // Without loopback: carrier, data set ready and clear to send asserted, as a connected terminal would.
    static final int MSR_CONNECTED = 0xb0;

    private final OutputStream output;
    private final Interrupt interrupt;

    private int ier;
    private int lcr = 0x03; // 8N1
    private int mcr = 0x08; // OUT2, which gates the IRQ on PCs
    private int scr;
    private int dll = 0x0c; // 9600 baud
    private int dlm;
    private boolean fifo;
    private boolean thrEmptyPending;
    private int loopbackData = -1;

    /**
     * @param output where transmitted bytes go (the console log); a failing output is logged and the byte dropped,
     *               the guest never notices
     */
    public Serial8250(OutputStream output, Interrupt interrupt) {
        this.output = output;
        this.interrupt = interrupt;
    }

    /** The registers the guest set, for a snapshot. */
    public synchronized SerialState state() {
        return new SerialState(ier, lcr, mcr, scr, dll, dlm, fifo, thrEmptyPending);
    }

    /** Takes back a snapshot's registers (the interrupt line's level is the irqchip's saved state). */
    public synchronized void restore(SerialState state) {
        ier = state.ier() & IER_MASK;
        lcr = state.lcr() & 0xff;
        mcr = state.mcr() & 0xff;
        scr = state.scr() & 0xff;
        dll = state.dll() & 0xff;
        dlm = state.dlm() & 0xff;
        fifo = state.fifo();
        thrEmptyPending = state.thrEmptyPending();
        loopbackData = -1;
    }

    @Override
    public synchronized long read(long offset, int size) {
        return switch ((int) offset) {
            case DATA -> dlab() ? dll : receive();
            case IER -> dlab() ? dlm : ier;
            case IIR_FCR -> interruptIdentification();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> LSR_THR_EMPTY | LSR_IDLE | (loopbackData >= 0 ? LSR_DATA_READY : 0);
            case MSR -> modemStatus();
            case SCR -> scr;
            default -> 0;
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) (value & 0xff);
        switch ((int) offset) {
            case DATA -> {
                if (dlab()) {
                    dll = v;
                } else {
                    transmit(v);
                }
            }
            case IER -> {
                if (dlab()) {
                    dlm = v;
                } else {
                    int enabled = v & IER_MASK;
                    // Enabling the THR-empty interrupt while the transmitter is empty raises it at once.
                    if ((enabled & IER_THR_EMPTY) != 0 && (ier & IER_THR_EMPTY) == 0) {
                        thrEmptyPending = true;
                        ier = enabled;
                        interrupt.trigger();
                    } else {
                        ier = enabled;
                    }
                }
            }
            case IIR_FCR -> fifo = (v & FCR_FIFO_ENABLE) != 0;
            case LCR -> lcr = v;
            case MCR -> mcr = v & 0x1f;
            case SCR -> scr = v;
            default -> {
                // LSR and MSR are read-only.
            }
        }
    }

    private boolean dlab() {
        return (lcr & LCR_DLAB) != 0;
    }

    private boolean loopback() {
        return (mcr & MCR_LOOP) != 0;
    }

    private void transmit(int b) {
        if (loopback()) {
            loopbackData = b;
            if ((ier & IER_RX_DATA) != 0) {
                interrupt.trigger();
            }
        } else {
            try {
                output.write(b);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "serial console output failed; byte dropped", e);
            }
        }
        if ((ier & IER_THR_EMPTY) != 0) {
            thrEmptyPending = true;
            interrupt.trigger();
        }
    }

    private int receive() {
        int b = Math.max(loopbackData, 0);
        loopbackData = -1;
        return b;
    }

    /** Highest-priority pending cause; reading it acknowledges a THR-empty interrupt, as on the real chip. */
    private int interruptIdentification() {
        int fifoBits = fifo ? IIR_FIFO_ENABLED : 0;
        if (loopbackData >= 0 && (ier & IER_RX_DATA) != 0) {
            return IIR_RX_DATA | fifoBits;
        }
        if (thrEmptyPending && (ier & IER_THR_EMPTY) != 0) {
            thrEmptyPending = false;
            return IIR_THR_EMPTY | fifoBits;
        }
        return IIR_NO_INTERRUPT | fifoBits;
    }

    /** In loopback the modem inputs mirror the outputs: DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD. */
    private int modemStatus() {
        if (!loopback()) {
            return MSR_CONNECTED;
        }
        int status = 0;
        status |= (mcr & 0x01) != 0 ? 0x20 : 0;
        status |= (mcr & 0x02) != 0 ? 0x10 : 0;
        status |= (mcr & 0x04) != 0 ? 0x40 : 0;
        status |= (mcr & 0x08) != 0 ? 0x80 : 0;
        return status;
    }
}
