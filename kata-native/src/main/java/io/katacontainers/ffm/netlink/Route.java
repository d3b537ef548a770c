package io.katacontainers.ffm.netlink;

import java.net.InetAddress;
import java.util.Optional;

/**
 * A route (RTM_NEWROUTE).
 *
 * @param destination       empty for a default route
 * @param destinationLength the destination's prefix length
 * @param device            the output interface's index (RTA_OIF), 0 when none
 * @param scope             RT_SCOPE_* (universe 0, link 253, host 254)
 * @param mtu               RTAX_MTU, 0 when unset
 */
public record Route(int family, Optional<InetAddress> destination, int destinationLength, Optional<InetAddress> gateway,
                    Optional<InetAddress> source, int device, int scope, int table, int protocol, int type, int flags,
                    int mtu) {
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_HOST = 254;
    public static final int RT_TABLE_MAIN = 254;
    public static final int RTPROT_BOOT = 3;
    public static final int RTPROT_KERNEL = 2;
    public static final int RTN_UNICAST = 1;

    /** A unicast route of the main table as {@code ip route add} makes it. */
    public static Route of(int family, Optional<InetAddress> destination, int destinationLength,
                           Optional<InetAddress> gateway, Optional<InetAddress> source, int device, int scope) {
        return new Route(family, destination, destinationLength, gateway, source, device, scope, RT_TABLE_MAIN,
                RTPROT_BOOT, RTN_UNICAST, 0, 0);
    }

    @Override
    public String toString() {
        return destination.map(d -> d.getHostAddress() + "/" + destinationLength).orElse("default")
                + gateway.map(g -> " via " + g.getHostAddress()).orElse("") + " dev " + device + " scope " + scope
                + " table " + table;
    }
}
