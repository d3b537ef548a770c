package io.katacontainers.api.hypervisor;

import java.nio.file.Path;
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

    /**
     * How the host reaches the guest's vsock {@code vsockPort}, which a {@link Device.Vsock} of that port was added
     * for (the agent's, the debug console's).
     *
     * @throws IllegalStateException if no vsock device was added
     * @throws IllegalArgumentException if the VM carries no such port
     */
    default AgentEndpoint endpoint(int vsockPort) {
        AgentEndpoint agent = agentEndpoint();
        return switch (agent) {
            case AgentEndpoint.Vsock vsock -> new AgentEndpoint.Vsock(vsock.contextId(), vsockPort);
            case AgentEndpoint.HybridVsock hybrid -> new AgentEndpoint.HybridVsock(hybrid.socket(), vsockPort);
            case AgentEndpoint.VirtioSerial serial -> throw new IllegalArgumentException(
                    "the VM's virtio-serial channel carries the agent's port only, not " + vsockPort);
        };
    }

    void pause() throws HypervisorException;

    void resume() throws HypervisorException;

    /** Asks the VM to stop and waits for it; the VM is gone when this returns. */
    void stop(Duration timeout) throws HypervisorException;

    VmState state();

    /** The last lines the guest printed on its console, for error messages. */
    String consoleTail();

    /**
     * The file the guest console (the serial port the kernel and the agent print on) is written to as it comes,
     * if the driver keeps one; the runtime follows it for the agent's log lines.
     */
    default Optional<Path> consoleLog() {
        return Optional.empty();
    }

    /** Why the VM stopped on its own (a guest reset, a vCPU failure), when the driver knows: for error messages. */
    default Optional<String> endReason() {
        return Optional.empty();
    }

    /**
     * Saves this VM, made by {@link HypervisorDriver#createTemplate} and now {@link #pause paused} with its agent
     * ready and no host connection open, as a template in the directory given there (memory and device state,
     * with what the driver needs to check a clone against it). The VM stays paused; the caller stops it.
     *
     * @throws HypervisorException if the VM is not a paused template VM, or saving failed
     */
    default void saveTemplate(Duration timeout) throws HypervisorException {
        throw new HypervisorException("this VM cannot be saved as a template");
    }

    /** Process id of the VMM when it runs as a separate process (QEMU), or of this process (built-in VMM). */
    long vmmPid();

    @Override
    void close();
}
