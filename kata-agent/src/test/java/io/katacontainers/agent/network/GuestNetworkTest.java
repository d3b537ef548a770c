package io.katacontainers.agent.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.types.ARPNeighbor;
import io.katacontainers.agent.proto.types.IPAddress;
import io.katacontainers.agent.proto.types.IPFamily;
import io.katacontainers.agent.proto.types.Interface;
import io.katacontainers.agent.proto.types.Route;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Namespaces;
import io.katacontainers.ffm.libc.TunTap;
import io.katacontainers.ffm.netlink.Link;
import io.katacontainers.ffm.netlink.Neighbor;
import io.katacontainers.ffm.netlink.RouteSocket;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent's network RPCs against the real kernel, as root, in a network namespace of the test's own (a platform
 * thread unshares it; it ends with the thread). A tap with the runtime's MAC stands in for the VM's NIC.
 */
class GuestNetworkTest {
    private static final String MAC = "02:16:00:00:00:42";

    interface Work {
        void run() throws Exception;
    }

    private static void inNewNamespace(Work work) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("guest-network-test").start(() -> {
            try {
                Namespaces.unshare(Namespaces.CLONE_NEWNET);
                work.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            thread.join();
        }
    }

    private static Route route(String dest, String gateway, int scope, IPFamily family) {
        return Route.newBuilder().setDest(dest).setGateway(gateway).setDevice("eth0").setScope(scope)
                .setFamily(family).build();
    }

    @Test
    void theNicIsFoundByMacConfiguredAndRoutedLinkRoutesFirst() throws Exception {
        inNewNamespace(() -> {
            try (Fd nic = TunTap.open("net16nic", TunTap.VIRTIO_NET_FLAGS); RouteSocket rtnl = RouteSocket.open()) {
                rtnl.setLink(rtnl.link("net16nic").orElseThrow().index(), false, 0, Optional.of(MAC));
                GuestNetwork network = new GuestNetwork();
                network.updateInterface(Interface.newBuilder().setName("eth0").setHwAddr(MAC).setMtu(1400)
                        .addIPAddresses(IPAddress.newBuilder().setFamily(IPFamily.v4).setAddress("10.16.5.2")
                                .setMask("24"))
                        .addIPAddresses(IPAddress.newBuilder().setFamily(IPFamily.v6).setAddress("fd16:5::2")
                                .setMask("64"))
                        .build());
                Link eth0 = rtnl.link("eth0").orElseThrow();
                assertEquals(1400, eth0.mtu());
                assertTrue(eth0.isUp());
                assertTrue(network.interfaces().stream().anyMatch(i -> i.getName().equals("eth0")
                        && i.getIPAddressesList().stream().anyMatch(a -> a.getAddress().equals("10.16.5.2"))));

                // The gateways sit in ranges only the link routes of the same request reach: sent gateway routes
                // first, they must still be added after the link routes (Kata 1.x's IPv6 bug).
                List<Route> requested = List.of(
                        route("", "10.16.7.1", 0, IPFamily.v4),
                        route("", "fd16:7::1", 0, IPFamily.v6),
                        route("10.16.7.0/24", "", 253, IPFamily.v4),
                        route("fd16:7::/64", "", 253, IPFamily.v6));
                List<Route> routes = network.updateRoutes(requested);
                assertTrue(routes.stream().anyMatch(r -> r.getDest().isEmpty() && r.getGateway().equals("10.16.7.1")
                        && r.getDevice().equals("eth0")), routes.toString());
                assertTrue(routes.stream().anyMatch(r -> r.getDest().isEmpty()
                        && r.getGateway().equals("fd16:7:0:0:0:0:0:1")), routes.toString());
                assertEquals(routes, network.updateRoutes(requested), "repeating the request is harmless");
                assertEquals(routes, network.routes());

                network.addNeighbors(List.of(ARPNeighbor.newBuilder().setDevice("eth0")
                        .setLladdr("02:16:00:00:00:01").setToIPAddress(IPAddress.newBuilder()
                                .setFamily(IPFamily.v4).setAddress("10.16.5.1")).build()));
                int index = eth0.index();
                assertTrue(rtnl.neighbors(2).stream().anyMatch(n -> n.index() == index
                        && n.mac().equals("02:16:00:00:00:01") && n.state() == Neighbor.NUD_PERMANENT));

                var missing = assertThrows(ErrdefsException.class, () -> network.updateInterface(
                        Interface.newBuilder().setName("eth1").setHwAddr("02:16:00:00:00:99").build()));
                assertTrue(missing.getMessage().contains("02:16:00:00:00:99"), missing.getMessage());
            }
        });
    }
}
