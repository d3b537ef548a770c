package io.katacontainers.ffm.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The attributes of a message (or of a nested attribute) by type; the flag bits of the type are masked off. */
final class Attributes {
    private final Map<Integer, ByteBuffer> byType = new HashMap<>();

    private Attributes() {
    }

    /** Parses {@code [from, to)} of {@code message}; a truncated attribute ends the list. */
    static Attributes parse(ByteBuffer message, int from, int to) {
        Attributes attributes = new Attributes();
        int at = from;
        while (at + 4 <= to) {
            int length = Short.toUnsignedInt(message.getShort(at));
            int type = Short.toUnsignedInt(message.getShort(at + 2)) & 0x3fff;
            if (length < 4 || at + length > to) {
                break;
            }
            attributes.byType.put(type, message.slice(at + 4, length - 4).order(ByteOrder.nativeOrder()));
            at += (length + 3) & ~3;
        }
        return attributes;
    }

    Optional<ByteBuffer> get(int type) {
        return Optional.ofNullable(byType.get(type)).map(b -> b.duplicate().order(ByteOrder.nativeOrder()));
    }

    Optional<byte[]> bytes(int type) {
        return get(type).map(b -> {
            byte[] value = new byte[b.remaining()];
            b.get(value);
            return value;
        });
    }

    Optional<Integer> u32(int type) {
        return get(type).filter(b -> b.remaining() >= 4).map(b -> b.order(ByteOrder.nativeOrder()).getInt(0));
    }

    Optional<String> string(int type) {
        return bytes(type).map(value -> {
            int end = 0;
            while (end < value.length && value[end] != 0) {
                end++;
            }
            return new String(value, 0, end, StandardCharsets.UTF_8);
        });
    }

    Optional<Attributes> nested(int type) {
        return get(type).map(b -> parse(b, 0, b.remaining()));
    }
}
