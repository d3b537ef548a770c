package io.katacontainers.agent.system;

import io.katacontainers.ffm.libc.SystemControl;

/**
 * How the guest ends after DestroySandbox. Without ACPI a power-off only halts the CPUs and the VMM keeps running,
 * while a reboot makes a VMM started with {@code -no-reboot} exit: hence reboot is the default.
 */
public enum ShutdownAction {
    REBOOT(SystemControl.RB_AUTOBOOT),
    POWEROFF(SystemControl.RB_POWER_OFF);

    private final int command;

    ShutdownAction(int command) {
        this.command = command;
    }

    /** The reboot(2) command. */
    int command() {
        return command;
    }

    /** "reboot" or "poweroff". */
    public static ShutdownAction parse(String name) {
        return switch (name) {
            case "reboot" -> REBOOT;
            case "poweroff" -> POWEROFF;
            default -> throw new IllegalArgumentException("shutdown must be reboot or poweroff, not '" + name + "'");
        };
    }
}
