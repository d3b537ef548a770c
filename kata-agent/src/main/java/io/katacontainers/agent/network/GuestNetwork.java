package io.katacontainers.agent.network;

import io.katacontainers.agent.proto.types.ARPNeighbor;
import io.katacontainers.agent.proto.types.IPAddress;
import io.katacontainers.agent.proto.types.IPFamily;
import io.katacontainers.agent.proto.types.Interface;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.netlink.Address;
import io.katacontainers.ffm.netlink.Inet;
import io.katacontainers.ffm.netlink.Link;
import io.katacontainers.ffm.netlink.Neighbor;
import io.katacontainers.ffm.netlink.Route;
import io.katacontainers.ffm.netlink.RouteSocket;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Applies the runtime's description of the pod network to the guest. Every request is idempotent (what exists
 * already is fine), so a runtime may repeat it; requests are serialised.
 */
public final class GuestNetwork {
    private final ReentrantLock lock = new ReentrantLock();

    /**
     * Finds the NIC with the interface's MAC, names it, sets its MTU, adds its addresses and brings it up. IPv6
     * addresses skip duplicate address detection: the CNI plugin's namespace did it already.
     */
    public Interface updateInterface(Interface nic) throws IOException {
        lock.lock();
        try (RouteSocket rtnl = RouteSocket.open()) {
            Link link = rtnl.links().stream().filter(l -> l.mac().equalsIgnoreCase(nic.getHwAddr())).findFirst()
                    .orElseThrow(() -> ErrdefsException.notFound("the guest has no interface with MAC "
                            + nic.getHwAddr() + " (for " + nic.getName() + ")"));
            if (!nic.getName().isEmpty() && !nic.getName().equals(link.name())) {
                rtnl.setLink(link.index(), false, 0, Optional.empty());
                rtnl.renameLink(link.index(), nic.getName());
            }
            rtnl.setLink(link.index(), true, (int) nic.getMtu(), Optional.empty());
            for (IPAddress address : nic.getIPAddressesList()) {
                InetAddress ip = InetAddress.getByName(address.getAddress());
                int flags = ip instanceof Inet6Address ? Address.IFA_F_NODAD : 0;
                existingIsFine(() -> rtnl.addAddress(new Address(link.index(), ip, prefix(address.getMask(), ip), 0,
                        flags)));
            }
            return nic;
        } finally {
            lock.unlock();
        }
    }

    /** Adds the routes, those without a gateway (the link's own) first: a gateway must be reachable first. */
    public List<io.katacontainers.agent.proto.types.Route> updateRoutes(
            List<io.katacontainers.agent.proto.types.Route> routes) throws IOException {
        lock.lock();
        try (RouteSocket rtnl = RouteSocket.open()) {
            List<Link> links = rtnl.links();
            List<io.katacontainers.agent.proto.types.Route> ordered = new ArrayList<>(routes);
            ordered.sort(Comparator.comparing(r -> !r.getGateway().isEmpty()));
            for (var route : ordered) {
                Route kernel = toKernel(route, links);
                existingIsFine(() -> rtnl.addRoute(kernel));
            }
            return list(rtnl, links);
        } finally {
            lock.unlock();
        }
    }

    public void addNeighbors(List<ARPNeighbor> neighbors) throws IOException {
        lock.lock();
        try (RouteSocket rtnl = RouteSocket.open()) {
            List<Link> links = rtnl.links();
            for (ARPNeighbor neighbor : neighbors) {
                int index = indexOf(links, neighbor.getDevice());
                Neighbor entry = new Neighbor(index, InetAddress.getByName(neighbor.getToIPAddress().getAddress()),
                        neighbor.getLladdr(), neighbor.getState() == 0 ? Neighbor.NUD_PERMANENT : neighbor.getState(),
                        neighbor.getFlags());
                existingIsFine(() -> rtnl.addNeighbor(entry));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Every interface with its addresses. */
    public List<Interface> interfaces() throws IOException {
        try (RouteSocket rtnl = RouteSocket.open()) {
            List<Address> addresses = rtnl.addresses(Inet.AF_UNSPEC);
            return rtnl.links().stream().map(link -> Interface.newBuilder().setName(link.name())
                    .setHwAddr(link.mac()).setMtu(link.mtu()).setType(link.kind()).setRawFlags(link.flags())
                    .addAllIPAddresses(addresses.stream().filter(a -> a.index() == link.index())
                            .map(a -> IPAddress.newBuilder().setFamily(family(a.address()))
                                    .setAddress(a.address().getHostAddress())
                                    .setMask(Integer.toString(a.prefixLength())).build()).toList()).build())
                    .toList();
        }
    }

    /** The main table's routes, both families. */
    public List<io.katacontainers.agent.proto.types.Route> routes() throws IOException {
        try (RouteSocket rtnl = RouteSocket.open()) {
            return list(rtnl, rtnl.links());
        }
    }

    private static List<io.katacontainers.agent.proto.types.Route> list(RouteSocket rtnl, List<Link> links)
            throws SyscallException {
        List<Route> all = new ArrayList<>(rtnl.routes(Inet.AF_INET));
        all.addAll(rtnl.routes(Inet.AF_INET6));
        return all.stream().filter(r -> r.table() == Route.RT_TABLE_MAIN).map(r ->
                io.katacontainers.agent.proto.types.Route.newBuilder()
                        .setDest(r.destination().map(d -> d.getHostAddress() + "/" + r.destinationLength())
                                .orElse(""))
                        .setGateway(r.gateway().map(InetAddress::getHostAddress).orElse(""))
                        .setSource(r.source().map(InetAddress::getHostAddress).orElse(""))
                        .setDevice(links.stream().filter(l -> l.index() == r.device()).map(Link::name).findFirst()
                                .orElse(""))
                        .setScope(r.scope()).setFamily(r.family() == Inet.AF_INET6 ? IPFamily.v6 : IPFamily.v4)
                        .setMtu(r.mtu()).build()).toList();
    }

    /** The kernel route of a runtime route; the destination is {@code address/length} or empty for the default. */
    static Route toKernel(io.katacontainers.agent.proto.types.Route route, List<Link> links) throws IOException {
        int family = route.getFamily() == IPFamily.v6 ? Inet.AF_INET6 : Inet.AF_INET;
        Optional<InetAddress> destination = Optional.empty();
        int length = 0;
        if (!route.getDest().isEmpty() && !route.getDest().equals("default")) {
            String[] parts = route.getDest().split("/", 2);
            InetAddress address = InetAddress.getByName(parts[0]);
            destination = Optional.of(address);
            length = parts.length == 2 ? Integer.parseInt(parts[1]) : (address instanceof Inet6Address ? 128 : 32);
            family = Inet.family(address);
        }
        Optional<InetAddress> gateway = route.getGateway().isEmpty() ? Optional.empty()
                : Optional.of(InetAddress.getByName(route.getGateway()));
        Optional<InetAddress> source = route.getSource().isEmpty() ? Optional.empty()
                : Optional.of(InetAddress.getByName(route.getSource()));
        int device = route.getDevice().isEmpty() ? 0 : indexOf(links, route.getDevice());
        int scope = gateway.isPresent() ? Route.RT_SCOPE_UNIVERSE : (int) route.getScope();
        return new Route(family, destination, length, gateway, source, device, scope, Route.RT_TABLE_MAIN,
                Route.RTPROT_BOOT, Route.RTN_UNICAST, 0, (int) route.getMtu());
    }

    private static int indexOf(List<Link> links, String name) {
        return links.stream().filter(l -> l.name().equals(name)).map(Link::index).findFirst()
                .orElseThrow(() -> ErrdefsException.notFound("the guest has no interface " + name));
    }

    private static int prefix(String mask, InetAddress address) {
        if (mask.isEmpty()) {
            return address instanceof Inet6Address ? 128 : 32;
        }
        try {
            return Integer.parseInt(mask);
        } catch (NumberFormatException e) {
            throw ErrdefsException.invalidArgument("address mask '" + mask + "' is not a prefix length");
        }
    }

    private static IPFamily family(InetAddress address) {
        return address instanceof Inet6Address ? IPFamily.v6 : IPFamily.v4;
    }

    private interface NetlinkCall {
        void run() throws SyscallException;
    }

    private static void existingIsFine(NetlinkCall call) throws SyscallException {
        try {
            call.run();
        } catch (SyscallException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
        }
    }
}
