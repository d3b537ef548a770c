package io.katacontainers.ffm.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;

/** Address families and hardware addresses. */
public final class Inet {
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    private Inet() {
    }

    public static int family(InetAddress address) {
        return address instanceof Inet4Address ? AF_INET : AF_INET6;
    }

    /** {@code aa:bb:cc:dd:ee:ff} of raw bytes. */
    public static String mac(byte[] raw) {
        return HexFormat.ofDelimiter(":").formatHex(raw);
    }

    /** The bytes of {@code aa:bb:cc:dd:ee:ff}; anything else is an {@link IllegalArgumentException} naming it. */
    public static byte[] mac(String text) {
        byte[] raw;
        try {
            raw = HexFormat.ofDelimiter(":").parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'", e);
        }
        if (raw.length != 6) {
            throw new IllegalArgumentException("not a 6-byte MAC address: '" + text + "'");
        }
        return raw;
    }

    static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address of " + raw.length + " bytes", e);
        }
    }
}
