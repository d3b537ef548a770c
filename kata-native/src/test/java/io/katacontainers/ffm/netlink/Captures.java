package io.katacontainers.ffm.netlink;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The netlink buffers ip/tc exchanged with this host's kernel (resources/netlink/*.hex, made by capture.sh). */
final class Captures {
    private Captures() {
    }

    /** The buffers of one capture sent ({@code >}) or received ({@code <}) by the tool, in order. */
    static List<byte[]> buffers(String name, char direction) throws IOException {
        try (InputStream in = Captures.class.getResourceAsStream("/netlink/" + name + ".hex")) {
            if (in == null) {
                throw new IOException("no capture " + name);
            }
            List<byte[]> buffers = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.length() > 2 && line.charAt(0) == direction) {
                    buffers.add(HexFormat.of().parseHex(line.substring(2).strip()));
                }
            }
            return buffers;
        }
    }

    /** The last request the tool sent (the one doing the work; earlier ones are its lookups). */
    static byte[] lastSent(String name) throws IOException {
        List<byte[]> sent = buffers(name, '>');
        return sent.get(sent.size() - 1);
    }

    /** Every message of every buffer the tool received. */
    static List<Messages.Frame> received(String name) throws IOException {
        List<Messages.Frame> frames = new ArrayList<>();
        for (byte[] buffer : buffers(name, '<')) {
            frames.addAll(RouteSocket.frames(ByteBuffer.wrap(buffer).order(ByteOrder.nativeOrder())));
        }
        return frames;
    }
}
