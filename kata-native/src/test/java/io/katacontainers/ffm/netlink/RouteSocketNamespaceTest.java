package io.katacontainers.ffm.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Namespaces;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.TunTap;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real kernel, as root, inside a network namespace of the test's own: a platform thread unshares it and it ends
 * with that thread, so nothing can be left behind. Two taps stand in for the veth and the VM's tap.
 */
class RouteSocketNamespaceTest {

    interface NamespaceWork {
        void run() throws Exception;
    }

    private static void inNewNamespace(NamespaceWork work) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("netlink-test-netns").start(() -> {
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
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } finally {
            thread.join();
        }
    }

    @Test
    void tapsAddressesRoutesNeighboursAndTheTcFilterModel() throws Exception {
        inNewNamespace(() -> {
            try (RouteSocket rtnl = RouteSocket.open();
                 Fd veth = TunTap.open("net16veth", TunTap.VIRTIO_NET_FLAGS);
                 Fd tap = TunTap.open("net16tap", TunTap.VIRTIO_NET_FLAGS)) {
                final Link a = rtnl.link("net16veth").orElseThrow();
                Link b = rtnl.link("net16tap").orElseThrow();
                assertEquals("tun", a.kind());
                rtnl.setLink(a.index(), true, 1400, Optional.of("02:16:00:00:00:0a"));
                rtnl.setLink(b.index(), true, 1400, Optional.empty());
                Link changed = rtnl.link("net16veth").orElseThrow();
                assertEquals(1400, changed.mtu());
                assertEquals("02:16:00:00:00:0a", changed.mac());
                assertTrue(changed.isUp());

                rtnl.addAddress(new Address(a.index(), InetAddress.getByName("10.16.1.2"), 24, 0, 0));
                rtnl.addAddress(new Address(a.index(), InetAddress.getByName("fd16:1::2"), 64, 0,
                        Address.IFA_F_NODAD));
                List<String> addresses = rtnl.addresses(Inet.AF_UNSPEC).stream()
                        .filter(x -> x.index() == a.index()).map(Address::toString).toList();
                assertTrue(addresses.contains("10.16.1.2/24 dev " + a.index()), addresses.toString());
                assertTrue(addresses.contains("fd16:1:0:0:0:0:0:2/64 dev " + a.index()), addresses.toString());

                rtnl.addRoute(Route.of(Inet.AF_INET, Optional.empty(), 0,
                        Optional.of(InetAddress.getByName("10.16.1.1")), Optional.empty(), a.index(), 0));
                rtnl.addRoute(Route.of(Inet.AF_INET6, Optional.empty(), 0,
                        Optional.of(InetAddress.getByName("fd16:1::1")), Optional.empty(), a.index(), 0));
                int index = a.index();
                assertTrue(rtnl.routes(Inet.AF_INET).stream().anyMatch(r -> r.destination().isEmpty()
                        && r.gateway().isPresent() && r.device() == index));
                assertTrue(rtnl.routes(Inet.AF_INET6).stream().anyMatch(r -> r.destination().isEmpty()
                        && r.gateway().isPresent() && r.device() == index));
                var duplicate = assertThrows(SyscallException.class, () -> rtnl.addRoute(Route.of(Inet.AF_INET,
                        Optional.empty(), 0, Optional.of(InetAddress.getByName("10.16.1.1")), Optional.empty(),
                        index, 0)));
                assertTrue(duplicate.is(Errno.EEXIST), duplicate.getMessage());

                rtnl.addNeighbor(new Neighbor(a.index(), InetAddress.getByName("10.16.1.9"), "02:16:00:00:00:09",
                        Neighbor.NUD_PERMANENT, 0));
                assertTrue(rtnl.neighbors(Inet.AF_INET).stream().anyMatch(n -> n.index() == index
                        && n.mac().equals("02:16:00:00:00:09") && n.state() == Neighbor.NUD_PERMANENT));

                for (Link link : List.of(a, b)) {
                    rtnl.addIngressQdisc(link.index());
                }
                rtnl.addMirredRedirect(a.index(), b.index());
                rtnl.addMirredRedirect(b.index(), a.index());
                assertTrue(rtnl.qdiscs().stream().anyMatch(q -> q.index() == index && q.kind().equals("ingress")));
                assertTrue(rtnl.ingressFilters(a.index()).stream().anyMatch(f -> f.kind().equals("u32")));
                rtnl.deleteIngressQdisc(a.index());
                assertFalse(rtnl.qdiscs().stream().anyMatch(q -> q.index() == index && q.kind().equals("ingress")));
                var gone = assertThrows(SyscallException.class, () -> rtnl.deleteIngressQdisc(index));
                assertTrue(gone.is(Errno.EINVAL) || gone.is(Errno.ENOENT), gone.getMessage());
                rtnl.deleteLink(b.index());
                assertTrue(rtnl.link("net16tap").isEmpty());
            }
        });
    }
}
