package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

import java.io.IOException;

/**
 * The vhost-user session failed: the back end closed the connection, answered late or wrongly, or rejected a
 * request. The session is unusable afterwards; the device must be reset and the back end restarted.
 */
public final class VhostUserException extends IOException {
    public VhostUserException(String message) {
        super(message);
    }

    public VhostUserException(String message, Throwable cause) {
        super(message, cause);
    }
}
