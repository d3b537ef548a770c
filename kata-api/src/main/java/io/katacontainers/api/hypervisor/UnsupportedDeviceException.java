package io.katacontainers.api.hypervisor;

/**
 * A driver cannot give a VM a device: it does not implement that kind of device, or not after the VM started
 * (no hot-plug). The message names the device, the driver and why.
 */
public final class UnsupportedDeviceException extends HypervisorException {
    private final transient Device device;
    private final String driver;

    public UnsupportedDeviceException(Device device, String driver, String why) {
        super("the " + driver + " driver cannot add " + device.describe() + ": " + why);
        this.device = device;
        this.driver = driver;
    }

    /** The device that was refused. */
    public Device device() {
        return device;
    }

    /** The driver's name, as in {@code [hypervisor.<name>]}. */
    public String driver() {
        return driver;
    }
}
