package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * struct virtio_vsock_hdr (44 bytes, little-endian): addresses, payload length, type, operation, flags and the
 * sender's credit state ({@code bufAlloc}: its receive buffer; {@code fwdCnt}: bytes it has consumed).
 */
public record PacketHeader(long srcCid, long dstCid, int srcPort, int dstPort, int length, int type, int op,
                           int flags, int bufAlloc, int fwdCnt) {
    public static final int SIZE = 44;
    public static final int TYPE_STREAM = 1;
    public static final int OP_REQUEST = 1;
    public static final int OP_RESPONSE = 2;
    public static final int OP_RST = 3;
    public static final int OP_SHUTDOWN = 4;
    public static final int OP_RW = 5;
    public static final int OP_CREDIT_UPDATE = 6;
    public static final int OP_CREDIT_REQUEST = 7;
    /** SHUTDOWN flags: the sender will receive no more / send no more. */
    public static final int SHUTDOWN_RCV = 1;
    public static final int SHUTDOWN_SEND = 2;

    public static PacketHeader decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new PacketHeader(b.getLong(0), b.getLong(8), b.getInt(16), b.getInt(20), b.getInt(24),
                Short.toUnsignedInt(b.getShort(28)), Short.toUnsignedInt(b.getShort(30)), b.getInt(32),
                b.getInt(36), b.getInt(40));
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(srcCid).putLong(dstCid).putInt(srcPort).putInt(dstPort).putInt(length)
                .putShort((short) type).putShort((short) op).putInt(flags).putInt(bufAlloc).putInt(fwdCnt)
                .array();
    }

    /** The payload length as the unsigned number it is. */
    public long payloadLength() {
        return Integer.toUnsignedLong(length);
    }
}
