package io.katacontainers.ffm.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One netlink message under construction: the 16-byte header, the family's fixed header, then attributes
 * (length, type, payload padded to 4 bytes), nested ones with {@link #begin}/{@link #end}. Host byte order.
 */
public final class MessageWriter {
    private final int type;
    private final int flags;
    private ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());

    MessageWriter(int type, int flags) {
        this.type = type;
        this.flags = flags;
        buffer.position(Rtnl.NLMSG_HDRLEN);
    }

    int type() {
        return type;
    }

    MessageWriter u8(int value) {
        room(1).put((byte) value);
        return this;
    }

    MessageWriter u16(int value) {
        room(2).putShort((short) value);
        return this;
    }

    MessageWriter u32(int value) {
        room(4).putInt(value);
        return this;
    }

    MessageWriter bytes(byte[] value) {
        room(value.length).put(value);
        return this;
    }

    MessageWriter attr(int attrType, byte[] payload) {
        room(4).putShort((short) (4 + payload.length)).putShort((short) attrType);
        bytes(payload);
        return pad();
    }

    MessageWriter attrU32(int attrType, int value) {
        return attr(attrType, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    /** A NUL-terminated string attribute. */
    MessageWriter attrString(int attrType, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        return attr(attrType, Arrays.copyOf(text, text.length + 1));
    }

    /** Starts a nested attribute; returns its position for {@link #end}. */
    int begin(int attrType) {
        int start = buffer.position();
        room(4).putShort((short) 0).putShort((short) attrType);
        return start;
    }

    MessageWriter end(int start) {
        buffer.putShort(start, (short) (buffer.position() - start));
        return pad();
    }

    /** The message with its length and sequence number filled in. */
    byte[] toBytes(int sequence) {
        int length = buffer.position();
        ByteBuffer header = buffer.duplicate().order(ByteOrder.nativeOrder());
        header.putInt(0, length).putShort(4, (short) type).putShort(6, (short) flags).putInt(8, sequence).putInt(12, 0);
        return Arrays.copyOf(buffer.array(), length);
    }

    private MessageWriter pad() {
        while ((buffer.position() & 3) != 0) {
            room(1).put((byte) 0);
        }
        return this;
    }

    private ByteBuffer room(int bytes) {
        if (buffer.remaining() < bytes) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes))
                    .order(ByteOrder.nativeOrder());
            bigger.put(buffer.array(), 0, buffer.position());
            buffer = bigger;
        }
        return buffer;
    }
}
