package io.katacontainers.api.hypervisor;

import java.time.Duration;
import java.util.Optional;

/**
 * One VM. Implementations serialize their control operations, so concurrent callers (a shutdown racing a delete)
 * never interleave commands to the VMM; {@link #close()} stops the VM if needed and releases every process,
 * socket and file the VM owned, and may be called any number of times from any thread.
 */
public interface Hypervisor extends AutoCloseable {
    /**
     * Gives the VM a device. Before {@link #start} the device is cold-plugged (part of the VM the driver boots);
     * afterwards a driver that cannot hot-plug refuses it.
     *
     * @throws UnsupportedDeviceException if the driver cannot provide this device, or not at this point
     * @throws HypervisorException if the device is unusable (a missing directory, a second device of a kind the
     *                             VM holds once)
     */
    void addDevice(Device device) throws HypervisorException;

    /** Boots the VM; returns once the VMM runs (the agent may not be up yet). */
    void start(Duration timeout) throws HypervisorException;

    /**
     * How the host reaches the agent inside this VM, through its {@link Device.Vsock}.
     *
     * @throws IllegalStateException if no vsock device was added
     */
    AgentEndpoint agentEndpoint();

    void pause() throws HypervisorException;

    void resume() throws HypervisorException;

    /** Asks the VM to stop and waits for it; the VM is gone when this returns. */
    void stop(Duration timeout) throws HypervisorException;

    VmState state();

    /** The last lines the guest printed on its console, for error messages. */
    String consoleTail();

    /** Why the VM stopped on its own (a guest reset, a vCPU failure), when the driver knows: for error messages. */
    default Optional<String> endReason() {
        return Optional.empty();
    }

    /** Process id of the VMM when it runs as a separate process (QEMU), or of this process (built-in VMM). */
    long vmmPid();

    @Override
    void close();
}
