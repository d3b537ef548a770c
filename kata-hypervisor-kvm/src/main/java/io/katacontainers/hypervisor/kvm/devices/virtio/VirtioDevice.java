package io.katacontainers.hypervisor.kvm.devices.virtio;

import java.io.IOException;

/**
 * A virtio device behind an {@link MmioTransport}. The transport negotiates features, collects the driver's queue
 * setup and, when the driver sets DRIVER_OK with every queue ready, calls {@link #activate} on the device event
 * loop; {@link #reset} (also on the loop) undoes that when the driver resets the device. An in-process device pops
 * chains from the queues on the loop; a vhost-user front end hands the queues' addresses and notify eventfds to its
 * back end instead, and raises {@link Activation#interrupt()} when the back end's call eventfd fires.
 */
public interface VirtioDevice extends AutoCloseable {
    /** The virtio device id ({@link Virtio#ID_VSOCK}...). */
    int deviceType();

    /** The feature bits the device offers; must include {@link Virtio#F_VERSION_1}. */
    long features();

    int queueCount();

    /** The largest size (a power of 2) the driver may give each queue. */
    int queueMaxSize();

    /** The device-specific configuration space as the driver reads it (little-endian). */
    byte[] config();

    /**
     * Starts the device with the queues the driver set up. Runs on the device event loop.
     *
     * @throws IOException if the device cannot start (the transport then reports DEVICE_NEEDS_RESET)
     */
    void activate(Activation activation) throws IOException;

    /**
     * Stops using the queues and drops what the activation created (connections, in-flight requests); the
     * transport has already stopped the watches made through {@link Activation#watch}. Runs on the event loop.
     */
    void reset();

    /** Releases what the device holds for its whole life (files, listening sockets). */
    @Override
    void close() throws IOException;
}
