package io.katacontainers.runtime.network;

import io.katacontainers.agent.proto.types.ARPNeighbor;
import io.katacontainers.agent.proto.types.IPAddress;
import io.katacontainers.agent.proto.types.IPFamily;
import io.katacontainers.agent.proto.types.Interface;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.TunTap;
import io.katacontainers.ffm.netlink.Address;
import io.katacontainers.ffm.netlink.Inet;
import io.katacontainers.ffm.netlink.Link;
import io.katacontainers.ffm.netlink.Neighbor;
import io.katacontainers.ffm.netlink.Route;
import io.katacontainers.ffm.netlink.RouteSocket;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pod's network namespace wired to the VM, as Kata's tcfilter model does it: for each veth (an interface with
 * addresses) a tap {@code tap<i>_kata} beside it in the namespace with the veth's MTU, ingress qdiscs on both and
 * u32 + mirred redirects both ways; the VM's NIC gets the veth's MAC (the one the CNI bridge expects). With the
 * {@code none} model only the tap is made. Each endpoint is a {@link Resource.NetworkEndpoint} of the sandbox,
 * recorded before it is made. {@link #close} closes the runtime's tap descriptors (the tap itself is the ledger's).
 */
public final class PodNetwork implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PodNetwork.class.getName());

    /** How the tap reaches the veth ({@code internetworking_model}). */
    public enum Model {
        TCFILTER, NONE;

        /** The configured model; {@code macvtap} (or anything else) is refused by name before the VM boots. */
        public static Model of(String configured) throws IOException {
            return switch (configured) {
                case "tcfilter" -> TCFILTER;
                case "none" -> NONE;
                default -> throw new IOException("internetworking_model \"" + configured + "\" is not supported; "
                        + "use \"tcfilter\" (or \"none\") in the [runtime] section");
            };
        }
    }

    /** One veth and its tap: what the VM's NIC and the agent's interface are made of. */
    public record Endpoint(Link veth, String tap, Fd tapFd, List<Address> addresses) {
    }

    private final Path netns;
    private final List<Endpoint> endpoints;
    private final List<Route> routes;
    private final List<Neighbor> neighbors;

    private PodNetwork(Path netns, List<Endpoint> endpoints, List<Route> routes, List<Neighbor> neighbors) {
        this.netns = netns;
        this.endpoints = List.copyOf(endpoints);
        this.routes = List.copyOf(routes);
        this.neighbors = List.copyOf(neighbors);
    }

    /**
     * Scans {@code netns} and wires each veth to a new tap; nothing is left when it fails.
     *
     * @throws IOException naming the namespace path when it does not exist, or the endpoint type or model that is
     *                     not supported
     */
    public static PodNetwork attach(Path netns, Model model, ResourceLedger ledger)
            throws IOException, InterruptedException {
        record Scan(List<Link> veths, List<Address> addresses, List<Route> routes, List<Neighbor> neighbors) {
        }
        Scan scan;
        try {
            scan = NetnsThread.call(netns, "scan", () -> {
                try (RouteSocket rtnl = RouteSocket.open()) {
                    List<Address> addresses = rtnl.addresses(Inet.AF_UNSPEC);
                    List<Link> veths = new ArrayList<>();
                    for (Link link : rtnl.links()) {
                        boolean configured = addresses.stream().anyMatch(a -> a.index() == link.index()
                                && a.scope() == Route.RT_SCOPE_UNIVERSE);
                        // Like Kata: interfaces without addresses (lo, sit0, tunl0...) are not endpoints; nor are
                        // those with only an IPv6 link-local one, which every interface that is up gets.
                        if (link.isLoopback() || !configured) {
                            continue;
                        }
                        if (!link.kind().equals("veth")) {
                            throw new IOException("interface " + link.name() + " of network namespace " + netns
                                    + " is a " + (link.kind().isEmpty() ? "device" : link.kind())
                                    + " endpoint; only veth endpoints are supported");
                        }
                        veths.add(link);
                    }
                    List<Route> routes = new ArrayList<>(rtnl.routes(Inet.AF_INET));
                    routes.addAll(rtnl.routes(Inet.AF_INET6));
                    List<Neighbor> neighbors = new ArrayList<>(rtnl.neighbors(Inet.AF_UNSPEC));
                    return new Scan(veths, addresses, routes, neighbors);
                }
            });
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("the network namespace " + netns + " of the spec does not exist", e);
        }
        List<Endpoint> endpoints = new ArrayList<>();
        try {
            for (Link veth : scan.veths()) {
                String tap = "tap" + endpoints.size() + "_kata";
                List<Address> addresses = scan.addresses().stream().filter(a -> a.index() == veth.index()).toList();
                Fd[] opened = new Fd[1];
                ledger.attach(new Resource.NetworkEndpoint(netns, veth.name(), tap),
                        () -> opened[0] = wire(netns, veth, tap, model));
                endpoints.add(new Endpoint(veth, tap, opened[0], addresses));
            }
        } catch (IOException | RuntimeException e) {
            closeAll(endpoints, e);
            throw e;
        }
        List<Integer> indexes = scan.veths().stream().map(Link::index).toList();
        List<Route> routes = scan.routes().stream()
                .filter(r -> indexes.contains(r.device()) && r.table() == Route.RT_TABLE_MAIN && carried(r)).toList();
        List<Neighbor> neighbors = scan.neighbors().stream()
                .filter(n -> indexes.contains(n.index()) && n.state() == Neighbor.NUD_PERMANENT).toList();
        LOG.log(System.Logger.Level.INFO, "network namespace {0}: {1} endpoint(s) ({2}), {3} route(s)", netns,
                endpoints.size(), model.name().toLowerCase(), routes.size());
        return new PodNetwork(netns, endpoints, routes, neighbors);
    }

    /**
     * Routes the guest kernel makes itself are left out: those of the addresses (protocol kernel) and, as Kata
     * leaves them out, IPv6 link-local and multicast ones.
     */
    private static boolean carried(Route route) {
        return route.protocol() != Route.RTPROT_KERNEL && route.destination()
                .map(d -> !(d instanceof Inet6Address v6 && (v6.isLinkLocalAddress() || v6.isMulticastAddress())))
                .orElse(true);
    }

    private static Fd wire(Path netns, Link veth, String tap, Model model) throws IOException {
        try {
            return NetnsThread.call(netns, "wire-" + tap, () -> {
                Fd fd = TunTap.open(tap, TunTap.VIRTIO_NET_FLAGS);
                try (RouteSocket rtnl = RouteSocket.open()) {
                    Link link = rtnl.link(tap).orElseThrow(() -> new IOException("tap " + tap + " vanished"));
                    rtnl.setLink(link.index(), true, veth.mtu(), Optional.empty());
                    if (model == Model.TCFILTER) {
                        rtnl.addIngressQdisc(veth.index());
                        rtnl.addIngressQdisc(link.index());
                        rtnl.addMirredRedirect(veth.index(), link.index());
                        rtnl.addMirredRedirect(link.index(), veth.index());
                    }
                    return fd;
                } catch (IOException | RuntimeException e) {
                    fd.close();
                    throw e;
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while wiring " + tap + " in " + netns, e);
        }
    }

    /** Removes tap {@code tap} and the ingress qdisc (with its filters) of {@code veth}; what is gone is fine. */
    public static void unwire(Path netns, String veth, String tap) throws IOException, InterruptedException {
        NetnsThread.call(netns, "unwire-" + tap, () -> {
            try (RouteSocket rtnl = RouteSocket.open()) {
                Optional<Link> tapLink = rtnl.link(tap);
                if (tapLink.isPresent()) {
                    ignoreGone(() -> rtnl.deleteLink(tapLink.get().index()));
                }
                Optional<Link> vethLink = rtnl.link(veth);
                if (vethLink.isPresent()) {
                    ignoreGone(() -> rtnl.deleteIngressQdisc(vethLink.get().index()));
                }
            }
            return null;
        });
    }

    private interface NetlinkCall {
        void run() throws SyscallException;
    }

    private static void ignoreGone(NetlinkCall call) throws SyscallException {
        try {
            call.run();
        } catch (SyscallException e) {
            if (!e.is(Errno.ENODEV) && !e.is(Errno.ENOENT) && !e.is(Errno.EINVAL)) {
                throw e;
            }
        }
    }

    public Path netns() {
        return netns;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The VM's NICs: one per endpoint, on its tap, with the veth's MAC and MTU. */
    public List<Device.Network> devices() {
        return endpoints.stream().map(e -> new Device.Network(e.tapFd().get(), e.veth().mac(), e.veth().mtu()))
                .toList();
    }

    /** The agent's UpdateInterface requests: the guest NIC with the veth's MAC gets its name, addresses, MTU. */
    public List<Interface> interfaces() {
        return endpoints.stream().map(e -> Interface.newBuilder().setName(e.veth().name())
                .setHwAddr(e.veth().mac()).setMtu(e.veth().mtu()).setType("veth")
                .addAllIPAddresses(e.addresses().stream().map(a -> IPAddress.newBuilder()
                        .setFamily(family(a.address())).setAddress(a.address().getHostAddress())
                        .setMask(Integer.toString(a.prefixLength())).build()).toList()).build()).toList();
    }

    /** The agent's UpdateRoutes request, by interface name. */
    public List<io.katacontainers.agent.proto.types.Route> routes() {
        return routes.stream().map(r -> io.katacontainers.agent.proto.types.Route.newBuilder()
                .setDest(r.destination().map(d -> d.getHostAddress() + "/" + r.destinationLength()).orElse(""))
                .setGateway(r.gateway().map(InetAddress::getHostAddress).orElse(""))
                .setSource(r.source().map(InetAddress::getHostAddress).orElse(""))
                .setDevice(nameOf(r.device())).setScope(r.scope())
                .setFamily(r.family() == Inet.AF_INET6 ? IPFamily.v6 : IPFamily.v4).setMtu(r.mtu()).build())
                .toList();
    }

    /** The agent's AddARPNeighbors request: the namespace's permanent neighbours. */
    public List<ARPNeighbor> neighbors() {
        return neighbors.stream().map(n -> ARPNeighbor.newBuilder()
                .setToIPAddress(IPAddress.newBuilder().setFamily(family(n.address()))
                        .setAddress(n.address().getHostAddress()))
                .setDevice(nameOf(n.index())).setLladdr(n.mac()).setState(n.state()).setFlags(n.flags()).build())
                .toList();
    }

    private String nameOf(int index) {
        return endpoints.stream().filter(e -> e.veth().index() == index).map(e -> e.veth().name()).findFirst()
                .orElseThrow();
    }

    private static IPFamily family(InetAddress address) {
        return address instanceof Inet6Address ? IPFamily.v6 : IPFamily.v4;
    }

    /** Closes the runtime's tap descriptors (the VMM holds its own). */
    @Override
    public void close() {
        closeAll(endpoints, null);
    }

    private static void closeAll(List<Endpoint> endpoints, Exception failure) {
        for (Endpoint endpoint : endpoints) {
            try {
                endpoint.tapFd().close();
            } catch (SyscallException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "closing tap {0}: {1}", endpoint.tap(), e.getMessage());
                }
            }
        }
    }
}
