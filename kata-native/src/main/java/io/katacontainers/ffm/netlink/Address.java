package io.katacontainers.ffm.netlink;

import java.net.InetAddress;

/** An interface address (RTM_NEWADDR): {@code address/prefixLength} on interface {@code index}. */
public record Address(int index, InetAddress address, int prefixLength, int scope, int flags) {
    /** IFA_F_NODAD: an IPv6 address usable at once (duplicate detection already happened where it came from). */
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFA_F_PERMANENT = 0x80;

    public int family() {
        return Inet.family(address);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength + " dev " + index;
    }
}
