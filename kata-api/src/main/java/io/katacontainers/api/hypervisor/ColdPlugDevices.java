package io.katacontainers.api.hypervisor;

import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The devices of a VM whose driver cold-plugs only: added before start, of the kinds the driver implements, at
 * most one of each kind but {@link Device.Block} (one per disk), {@link Device.Network} (one per interface) and
 * {@link Device.Vsock} (one per guest port, the agent's first), which keep the order added. Drivers call
 * {@link #add} under their control lock; {@link #first} and {@link #all} may be read from any thread.
 */
public final class ColdPlugDevices {
    private final String driver;
    private final Set<Class<? extends Device>> kinds;
    private final List<Device> devices = new CopyOnWriteArrayList<>();

    /**
     * @param driver the driver's name, for errors
     * @param kinds the kinds of device the driver implements
     */
    public ColdPlugDevices(String driver, Set<Class<? extends Device>> kinds) {
        this.driver = driver;
        this.kinds = Set.copyOf(kinds);
    }

    /**
     * Adds {@code device} to a VM in {@code state}.
     *
     * @throws UnsupportedDeviceException if the VM is no longer {@link VmState#CREATED} or the driver does not
     *                                    implement the device's kind
     * @throws HypervisorException if the VM has a device of that kind already, or a disk's file does not exist
     */
    public void add(Device device, VmState state) throws HypervisorException {
        if (state != VmState.CREATED) {
            throw new UnsupportedDeviceException(device, driver, "the VM is " + state.name().toLowerCase()
                    + " and the driver does not hot-plug");
        }
        if (!kinds.contains(device.getClass())) {
            throw new UnsupportedDeviceException(device, driver, "the driver does not implement "
                    + device.getClass().getSimpleName() + " devices yet");
        }
        if (device instanceof Device.Block block && !Files.exists(block.path())) {
            throw new HypervisorException("the " + driver + " driver cannot add " + device.describe()
                    + ": " + block.path() + " does not exist");
        }
        if (device instanceof Device.Vsock vsock && all(Device.Vsock.class).stream()
                .anyMatch(added -> added.port() == vsock.port())) {
            throw new HypervisorException("the " + driver + " driver cannot add " + device.describe()
                    + ": the VM has one for that port already");
        }
        boolean many = device instanceof Device.Block || device instanceof Device.Network
                || device instanceof Device.Vsock;
        if (!many && first(device.getClass()).isPresent()) {
            throw new HypervisorException("the " + driver + " driver cannot add " + device.describe()
                    + ": the VM has one already");
        }
        devices.add(device);
    }

    /** The devices of {@code kind} added, in the order they were. */
    public <T extends Device> List<T> all(Class<T> kind) {
        return devices.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    /** The device of {@code kind} added, if any. */
    public <T extends Device> Optional<T> first(Class<T> kind) {
        return devices.stream().filter(kind::isInstance).map(kind::cast).findFirst();
    }
}
