package io.katacontainers.hypervisor.kvm.devices.legacy;

import io.katacontainers.hypervisor.kvm.devices.BusDevice;

/**
 * The PS/2 controller, only as far as a guest without a keyboard uses it: the status register, the controller
 * commands Linux's i8042 probe sends, and above all the CPU reset line (command 0xFE on port 0x64), which
 * {@code reboot=k} pulses and which this VMM turns into a clean VM shutdown. Registered at port 0x60 with length 5,
 * so offset 0 is the data port and offset 4 the command/status port.
 */
public final class I8042 implements BusDevice {
    public static final int BASE_PORT = 0x60;
    public static final int PORT_COUNT = 5;

    static final int DATA = 0;
    static final int COMMAND = 4;

    static final int CMD_READ_CONFIG = 0x20;
    static final int CMD_WRITE_CONFIG = 0x60;
    static final int CMD_SELF_TEST = 0xaa;
    static final int CMD_INTERFACE_TEST = 0xab;
    static final int CMD_DISABLE_KEYBOARD = 0xad;
    static final int CMD_ENABLE_KEYBOARD = 0xae;
    static final int CMD_RESET_CPU = 0xfe;

    static final int STATUS_OUTPUT_FULL = 0x01;
    static final int STATUS_SYSTEM_FLAG = 0x04;
    static final int STATUS_COMMAND = 0x08;
    static final int SELF_TEST_PASSED = 0x55;

    private final Runnable resetRequested;
    private int config = 0x45; // translate, system flag, keyboard interrupt
    private int status = STATUS_SYSTEM_FLAG;
    private int output = -1;
    private boolean expectConfig;

    /** @param resetRequested called (on the vCPU thread) when the guest pulses the reset line */
    public I8042(Runnable resetRequested) {
        this.resetRequested = resetRequested;
    }

    @Override
    public long read(long offset, int size) {
        synchronized (this) {
            if (offset == COMMAND) {
                return status | (output >= 0 ? STATUS_OUTPUT_FULL : 0);
            }
            if (offset != DATA) {
                return 0;
            }
            int value = Math.max(output, 0);
            output = -1;
            return value;
        }
    }

    @Override
    public void write(long offset, int size, long value) {
        int v = (int) (value & 0xff);
        synchronized (this) {
            if (offset == DATA) {
                status &= ~STATUS_COMMAND;
                if (expectConfig) {
                    config = v;
                    expectConfig = false;
                }
                return;
            }
            if (offset != COMMAND) {
                return;
            }
            status |= STATUS_COMMAND;
            switch (v) {
                case CMD_READ_CONFIG -> output = config;
                case CMD_WRITE_CONFIG -> expectConfig = true;
                case CMD_SELF_TEST -> output = SELF_TEST_PASSED;
                case CMD_INTERFACE_TEST -> output = 0;
                case CMD_DISABLE_KEYBOARD -> config |= 0x10;
                case CMD_ENABLE_KEYBOARD -> config &= ~0x10;
                case CMD_RESET_CPU -> {
                    // Outside the lock: the callback stops the VM.
                }
                default -> {
                    // Other commands (mouse, output port) have no effect without those devices.
                }
            }
        }
        if (offset == COMMAND && v == CMD_RESET_CPU) {
            resetRequested.run();
        }
    }
}
