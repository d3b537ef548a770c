package io.katacontainers.api.guest;

/**
 * What the host side (runtime, hypervisor drivers) and the agent in the guest agree on, defined once: the
 * shared filesystem's tag and guest mount point, and the agent's channel addresses. The values are Kata's, so
 * that a guest image built for Kata works with this runtime and the other way around.
 */
public final class GuestContract {
    /** The tag of the virtio-fs (or 9p) device that carries the sandbox's shared directory, as in Kata. */
    public static final String SHARED_FS_TAG = "kataShared";

    /** Where the guest mounts the shared filesystem; each container's rootfs appears under it by container id. */
    public static final String GUEST_SHARED_DIR = "/run/kata-containers/shared/containers";

    /** The vsock port the agent's ttrpc server listens on, as in Kata. */
    public static final int AGENT_VSOCK_PORT = 1024;

    /** The name of the virtio-serial port that carries the agent's channel when there is no vsock, as in Kata. */
    public static final String AGENT_SERIAL_PORT = "agent.channel.0";

    private GuestContract() {
    }
}
