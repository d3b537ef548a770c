package io.katacontainers.hypervisor.kvm.vstate;

/**
 * The guest named memory outside its RAM (a bad descriptor, an overflowing length). Unchecked because it is a
 * property of guest data, not of the VMM: device code catches it at the request boundary and fails that request
 * (or marks the device as needing reset), never the VMM.
 */
public final class GuestMemoryException extends RuntimeException {
    public GuestMemoryException(String message) {
        super(message);
    }
}
