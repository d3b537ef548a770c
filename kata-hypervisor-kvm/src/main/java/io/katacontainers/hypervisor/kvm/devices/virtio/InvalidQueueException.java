package io.katacontainers.hypervisor.kvm.devices.virtio;

/**
 * The guest broke the virtqueue contract: a ring index out of range, a descriptor outside RAM, a loop, a nested
 * indirect table. Checked, so that every device decides at its request boundary what the guest gets: the device
 * marks itself as needing reset ({@link Activation#needsReset}) and stops using the queue; the VMM carries on.
 */
public final class InvalidQueueException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidQueueException(String message) {
        super(message);
    }
}
