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

    /**
     * Where the agent keeps what belongs to the whole sandbox rather than to one container, as in Kata: the pod's
     * {@code /dev/shm} ({@link #GUEST_SHM_DIR}) and memory-backed volumes ({@link #GUEST_EPHEMERAL_DIR}).
     */
    public static final String GUEST_SANDBOX_DIR = "/run/kata-containers/sandbox";

    /** The sandbox's {@code /dev/shm}: one tmpfs in the guest that every container of the pod binds, as in Kata. */
    public static final String GUEST_SHM_DIR = GUEST_SANDBOX_DIR + "/shm";

    /** Memory-backed emptyDir volumes ({@code medium: Memory}): a tmpfs each in the guest, by volume name. */
    public static final String GUEST_EPHEMERAL_DIR = GUEST_SANDBOX_DIR + "/ephemeral";

    /**
     * The directory, under the sandbox container's rootfs in {@link #GUEST_SHARED_DIR}, that holds disk-backed
     * emptyDir volumes created by the agent ({@code <shared>/<sandbox id>/rootfs/local/<volume>}), as in Kata.
     */
    public static final String LOCAL_STORAGE_DIR = "local";

    /** Host paths shared for one container's bind mounts appear under {@code <shared>/<container id>/} here. */
    public static final String SHARED_MOUNTS_DIR = "mounts";

    /** The directory of {@link #GUEST_SHARED_DIR} where {@code sandbox_bind_mounts} appear, read-only, by name. */
    public static final String SANDBOX_MOUNTS_DIR = "sandbox-mounts";

    /** The vsock port the agent's ttrpc server listens on, as in Kata. */
    public static final int AGENT_VSOCK_PORT = 1024;

    /** The name of the virtio-serial port that carries the agent's channel when there is no vsock, as in Kata. */
    public static final String AGENT_SERIAL_PORT = "agent.channel.0";

    /**
     * The vsock port of the guest's debug console ({@code [agent.kata] debug_console_enabled}): a shell the agent
     * serves when the kernel command line has {@link #DEBUG_CONSOLE_PARAM}, as in Kata.
     */
    public static final int DEBUG_CONSOLE_VSOCK_PORT = 1026;

    /** The kernel parameter that turns the agent's debug console on, as in Kata. */
    public static final String DEBUG_CONSOLE_PARAM = "agent.debug_console";

    /** The kernel parameter naming the debug console's vsock port, as in Kata. */
    public static final String DEBUG_CONSOLE_PORT_PARAM = "agent.debug_console_vport";

    /**
     * The virtio-serial port that carries the debug console where the host has no vsock (Kata has none: it always
     * uses vsock there). Ours, named like the agent's port.
     */
    public static final String DEBUG_CONSOLE_SERIAL_PORT = "agent.debug_console.0";

    /**
     * The virtio-serial port name that stands for the guest's vsock {@code port} on a VM without vsock: the agent's
     * or the debug console's.
     *
     * @throws IllegalArgumentException for any other port: nothing in the guest listens there
     */
    public static String serialPortName(int port) {
        return switch (port) {
            case AGENT_VSOCK_PORT -> AGENT_SERIAL_PORT;
            case DEBUG_CONSOLE_VSOCK_PORT -> DEBUG_CONSOLE_SERIAL_PORT;
            default -> throw new IllegalArgumentException("no virtio-serial port stands for vsock port " + port
                    + " (only " + AGENT_VSOCK_PORT + " and " + DEBUG_CONSOLE_VSOCK_PORT + ")");
        };
    }

    private GuestContract() {
    }
}
