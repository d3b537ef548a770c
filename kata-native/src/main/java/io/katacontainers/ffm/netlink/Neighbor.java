package io.katacontainers.ffm.netlink;

import java.net.InetAddress;

/** A neighbour table entry (RTM_NEWNEIGH): {@code address} is at {@code mac} on interface {@code index}. */
public record Neighbor(int index, InetAddress address, String mac, int state, int flags) {
    public static final int NUD_PERMANENT = 0x80;
}
