package io.katacontainers.hypervisor.kvm.devices.virtio.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

/** Ethernet + IPv4 + UDP frames for the tests, and the pieces of one. */
final class Frames {
    static final int ETHERNET = 14;
    static final int IPV4 = 20;
    static final int UDP = 8;
    static final int HEADERS = ETHERNET + IPV4 + UDP;

    private Frames() {
    }

    static byte[] mac(String text) {
        return HexFormat.ofDelimiter(":").parseHex(text);
    }

    static byte[] ip(int a, int b, int c, int d) {
        return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
    }

    /** An Ethernet frame carrying one UDP datagram (IPv4 header checksummed, UDP checksum 0: none). */
    static byte[] udp(byte[] dstMac, byte[] srcMac, byte[] srcIp, byte[] dstIp, int srcPort, int dstPort,
                      byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADERS + payload.length).order(ByteOrder.BIG_ENDIAN);
        b.put(dstMac).put(srcMac).putShort((short) 0x0800);
        int ipStart = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (IPV4 + UDP + payload.length)).putShort((short) 1)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 17).putShort((short) 0).put(srcIp).put(dstIp);
        b.putShort(ipStart + 10, checksum(b.array(), ipStart, IPV4));
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (UDP + payload.length))
                .putShort((short) 0).put(payload);
        return b.array();
    }

    /** The UDP payload of a frame made like {@link #udp}, or null when it is not IPv4/UDP to {@code dstPort}. */
    static byte[] udpPayload(byte[] frame, int dstPort) {
        if (frame.length < HEADERS) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN);
        if (b.getShort(12) != 0x0800 || frame[ETHERNET + 9] != 17
                || Short.toUnsignedInt(b.getShort(ETHERNET + IPV4 + 2)) != dstPort) {
            return null;
        }
        int length = Short.toUnsignedInt(b.getShort(ETHERNET + IPV4 + 4)) - UDP;
        return Arrays.copyOfRange(frame, HEADERS, HEADERS + length);
    }

    private static short checksum(byte[] data, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += ((data[offset + i] & 0xff) << 8) | (data[offset + i + 1] & 0xff);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }
}
