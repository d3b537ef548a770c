package io.katacontainers.ffm.netlink;

/**
 * A network interface (RTM_NEWLINK).
 *
 * @param kind        IFLA_INFO_KIND ({@code veth}, {@code tun}, {@code bridge}...), empty for a plain device
 * @param mac         the hardware address as {@code aa:bb:cc:dd:ee:ff}, empty when it has none
 * @param flags       IFF_* flags
 * @param type        ARPHRD_* type
 * @param masterIndex IFLA_MASTER, 0 when enslaved to nothing
 */
public record Link(int index, String name, String kind, String mac, int mtu, int flags, int type, int masterIndex) {
    public static final int IFF_UP = 0x1;
    public static final int IFF_LOOPBACK = 0x8;

    public boolean isUp() {
        return (flags & IFF_UP) != 0;
    }

    public boolean isLoopback() {
        return (flags & IFF_LOOPBACK) != 0;
    }
}
