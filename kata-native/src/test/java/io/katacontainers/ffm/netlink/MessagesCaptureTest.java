package io.katacontainers.ffm.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Our messages against what ip and tc sent on this host for the same operation (capture.sh: in a fresh namespace lo
 * is link 1, v1 link 2, v0 link 3 with MAC 02:00:00:00:00:01, tap0_kata link 4), and our decoding of the kernel's
 * answers to their dumps.
 */
class MessagesCaptureTest {
    private static final int V0 = 3;
    private static final int TAP = 4;

    /** Compares byte for byte, with the capture's sequence number (bytes 8-11) taken over. */
    private static void assertSameAs(String capture, MessageWriter ours) throws IOException {
        byte[] theirs = Captures.lastSent(capture);
        int sequence = ByteBuffer.wrap(theirs).order(ByteOrder.nativeOrder()).getInt(8);
        assertEquals(HexFormat.of().formatHex(theirs), HexFormat.of().formatHex(ours.toBytes(sequence)), capture);
    }

    @Test
    void ingressQdiscIsTcs() throws IOException {
        assertSameAs("qdisc-ingress", Messages.ingressQdisc(V0, true));
    }

    @Test
    void mirredRedirectIsKatasTcFilter() throws IOException {
        assertSameAs("filter-mirred", Messages.mirredRedirect(V0, TAP));
    }

    @Test
    void addressesAreIps() throws IOException {
        assertSameAs("addr-add-v4", Messages.newAddress(
                new Address(V0, InetAddress.getByName("10.16.0.2"), 24, 0, 0)));
        assertSameAs("addr-add-v6", Messages.newAddress(
                new Address(V0, InetAddress.getByName("fd16::2"), 64, 0, Address.IFA_F_NODAD)));
    }

    @Test
    void aGatewayRouteIsIps() throws IOException {
        assertSameAs("route-add-v4", Messages.newRoute(Route.of(Inet.AF_INET, Optional.empty(), 0,
                Optional.of(InetAddress.getByName("10.16.0.1")), Optional.empty(), V0, Route.RT_SCOPE_UNIVERSE)));
    }

    @Test
    void aPermanentNeighbourIsIps() throws IOException {
        assertSameAs("neigh-add", Messages.newNeighbor(new Neighbor(V0, InetAddress.getByName("10.16.0.9"),
                "02:00:00:00:00:09", Neighbor.NUD_PERMANENT, 0)));
    }

    @Test
    void theLinkDumpDecodes() throws IOException {
        List<Link> links = Captures.received("link-dump").stream().filter(f -> f.type() == Rtnl.RTM_NEWLINK)
                .map(Messages::link).toList();
        assertEquals(List.of("lo", "v1", "v0", "tap0_kata"), links.stream().map(Link::name).toList());
        Link v0 = links.get(2);
        assertEquals(V0, v0.index());
        assertEquals("veth", v0.kind());
        assertEquals("02:00:00:00:00:01", v0.mac());
        assertEquals(1500, v0.mtu());
        assertTrue(v0.isUp());
        assertEquals("tun", links.get(3).kind());
        assertTrue(links.get(0).isLoopback());
    }

    @Test
    void theAddressDumpDecodesBothFamilies() throws IOException {
        List<String> addresses = Captures.received("addr-dump").stream().filter(f -> f.type() == Rtnl.RTM_NEWADDR)
                .map(Messages::address).filter(a -> a.index() == V0).map(Address::toString).toList();
        assertTrue(addresses.contains("10.16.0.2/24 dev 3"), addresses.toString());
        assertTrue(addresses.contains("fd16:0:0:0:0:0:0:2/64 dev 3"), addresses.toString());
    }

    @Test
    void theRouteDumpsDecode() throws IOException {
        List<Route> v4 = Captures.received("route-dump-v4").stream().filter(f -> f.type() == Rtnl.RTM_NEWROUTE)
                .map(Messages::route).toList();
        assertTrue(v4.stream().anyMatch(r -> r.destination().isEmpty()
                && r.gateway().equals(Optional.of(address("10.16.0.1"))) && r.device() == V0), v4.toString());
        assertTrue(v4.stream().anyMatch(r -> r.destination().equals(Optional.of(address("10.16.0.0")))
                && r.destinationLength() == 24 && r.scope() == Route.RT_SCOPE_LINK), v4.toString());
        List<Route> v6 = Captures.received("route-dump-v6").stream().filter(f -> f.type() == Rtnl.RTM_NEWROUTE)
                .map(Messages::route).toList();
        assertTrue(v6.stream().anyMatch(r -> r.family() == Inet.AF_INET6
                && r.destination().equals(Optional.of(address("fd16::"))) && r.destinationLength() == 64),
                v6.toString());
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
