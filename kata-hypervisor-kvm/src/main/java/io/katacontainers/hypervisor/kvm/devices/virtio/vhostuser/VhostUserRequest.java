package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

/**
 * The front-end requests this client sends, numbered as in QEMU's {@code docs/interop/vhost-user.rst}.
 * {@link #answers()} marks the requests the back end always answers; the others are answered only when REPLY_ACK
 * was negotiated and the message asks for it.
 */
public enum VhostUserRequest {
    GET_FEATURES(1, true),
    SET_FEATURES(2, false),
    SET_OWNER(3, false),
    SET_MEM_TABLE(5, false),
    SET_VRING_NUM(8, false),
    SET_VRING_ADDR(9, false),
    SET_VRING_BASE(10, false),
    GET_VRING_BASE(11, true),
    SET_VRING_KICK(12, false),
    SET_VRING_CALL(13, false),
    SET_VRING_ERR(14, false),
    GET_PROTOCOL_FEATURES(15, true),
    SET_PROTOCOL_FEATURES(16, false),
    GET_QUEUE_NUM(17, true),
    SET_VRING_ENABLE(18, false);

    private final int code;
    private final boolean answers;

    VhostUserRequest(int code, boolean answers) {
        this.code = code;
        this.answers = answers;
    }

    /** The request number on the wire. */
    public int code() {
        return code;
    }

    /** Whether the back end sends a reply with a payload whatever the protocol features. */
    public boolean answers() {
        return answers;
    }
}
