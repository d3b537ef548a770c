package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

/**
 * The front-end requests this client sends, numbered as in QEMU's {@code docs/interop/vhost-user.rst}. The GET
 * requests are always answered; the others only when REPLY_ACK was negotiated and the message asks for it.
 */
public enum VhostUserRequest {
    GET_FEATURES(1),
    SET_FEATURES(2),
    SET_OWNER(3),
    SET_MEM_TABLE(5),
    SET_VRING_NUM(8),
    SET_VRING_ADDR(9),
    SET_VRING_BASE(10),
    GET_VRING_BASE(11),
    SET_VRING_KICK(12),
    SET_VRING_CALL(13),
    SET_VRING_ERR(14),
    GET_PROTOCOL_FEATURES(15),
    SET_PROTOCOL_FEATURES(16),
    GET_QUEUE_NUM(17),
    SET_VRING_ENABLE(18);

    private final int code;

    VhostUserRequest(int code) {
        this.code = code;
    }

    /** The request number on the wire. */
    public int code() {
        return code;
    }
}
