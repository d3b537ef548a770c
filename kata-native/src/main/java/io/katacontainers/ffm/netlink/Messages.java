package io.katacontainers.ffm.netlink;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/** Encoders of the requests this package sends and decoders of the kernel's answers, byte for byte as ip/tc. */
final class Messages {
    static final int IFINFOMSG = 16;
    static final int IFADDRMSG = 8;
    static final int RTMSG = 12;
    static final int NDMSG = 12;
    static final int TCMSG = 20;

    private Messages() {
    }

    /** A dump request of {@code type} for one family (AF_UNSPEC for all), with an empty fixed header. */
    static MessageWriter dump(int type, int family) {
        int header = switch (type) {
            case Rtnl.RTM_GETLINK -> IFINFOMSG;
            case Rtnl.RTM_GETADDR -> IFADDRMSG;
            case Rtnl.RTM_GETROUTE, Rtnl.RTM_GETNEIGH -> RTMSG;
            default -> TCMSG;
        };
        MessageWriter message = new MessageWriter(type, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP).u8(family);
        for (int i = 1; i < header; i++) {
            message.u8(0);
        }
        return message;
    }

    /** RTM_NEWADDR as {@code ip addr add A/N dev D}: IFA_LOCAL, then IFA_ADDRESS. */
    static MessageWriter newAddress(Address address) {
        byte[] raw = address.address().getAddress();
        return new MessageWriter(Rtnl.RTM_NEWADDR, Rtnl.NEW).u8(address.family()).u8(address.prefixLength())
                .u8(address.flags() & 0xff).u8(address.scope()).u32(address.index())
                .attr(Rtnl.IFA_LOCAL, raw).attr(Rtnl.IFA_ADDRESS, raw);
    }

    /** RTM_NEWROUTE as {@code ip route add}: RTA_DST, RTA_GATEWAY, RTA_PREFSRC, RTA_OIF, the MTU metric. */
    static MessageWriter newRoute(Route route) {
        MessageWriter message = new MessageWriter(Rtnl.RTM_NEWROUTE, Rtnl.NEW).u8(route.family())
                .u8(route.destination().isPresent() ? route.destinationLength() : 0).u8(0).u8(0)
                .u8(route.table() < 256 ? route.table() : 252).u8(route.protocol()).u8(route.scope()).u8(route.type())
                .u32(route.flags());
        route.destination().ifPresent(d -> message.attr(Rtnl.RTA_DST, d.getAddress()));
        route.gateway().ifPresent(g -> message.attr(Rtnl.RTA_GATEWAY, g.getAddress()));
        route.source().ifPresent(s -> message.attr(Rtnl.RTA_PREFSRC, s.getAddress()));
        if (route.device() != 0) {
            message.attrU32(Rtnl.RTA_OIF, route.device());
        }
        if (route.table() >= 256) {
            message.attrU32(Rtnl.RTA_TABLE, route.table());
        }
        if (route.mtu() != 0) {
            int metrics = message.begin(Rtnl.RTA_METRICS);
            message.attrU32(Rtnl.RTAX_MTU, route.mtu()).end(metrics);
        }
        return message;
    }

    /** RTM_NEWNEIGH as {@code ip neigh add A lladdr M dev D nud permanent}. */
    static MessageWriter newNeighbor(Neighbor neighbor) {
        return new MessageWriter(Rtnl.RTM_NEWNEIGH, Rtnl.NEW).u8(Inet.family(neighbor.address())).u8(0).u16(0)
                .u32(neighbor.index()).u16(neighbor.state()).u8(neighbor.flags()).u8(0)
                .attr(Rtnl.NDA_DST, neighbor.address().getAddress()).attr(Rtnl.NDA_LLADDR, Inet.mac(neighbor.mac()));
    }

    /** RTM_NEWLINK on an existing interface: flags under {@code change}, and the MTU, MAC, name when given. */
    static MessageWriter setLink(int index, int flags, int change, int mtu, Optional<String> mac,
                                 Optional<String> name) {
        MessageWriter message = new MessageWriter(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK)
                .u8(Inet.AF_UNSPEC).u8(0).u16(0).u32(index).u32(flags).u32(change);
        mac.ifPresent(m -> message.attr(Rtnl.IFLA_ADDRESS, Inet.mac(m)));
        if (mtu > 0) {
            message.attrU32(Rtnl.IFLA_MTU, mtu);
        }
        name.ifPresent(n -> message.attrString(Rtnl.IFLA_IFNAME, n));
        return message;
    }

    static MessageWriter deleteLink(int index) {
        return new MessageWriter(Rtnl.RTM_DELLINK, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK)
                .u8(Inet.AF_UNSPEC).u8(0).u16(0).u32(index).u32(0).u32(0);
    }

    /** {@code tc qdisc add dev D handle ffff: ingress}, or its deletion. */
    static MessageWriter ingressQdisc(int index, boolean add) {
        MessageWriter message = new MessageWriter(add ? Rtnl.RTM_NEWQDISC : Rtnl.RTM_DELQDISC,
                add ? Rtnl.NEW : Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK);
        tcmsg(message, index, Rtnl.INGRESS_HANDLE, Rtnl.TC_H_INGRESS, 0);
        return message.attrString(Rtnl.TCA_KIND, "ingress");
    }

    /**
     * Kata's tcfilter redirect: {@code tc filter add dev FROM parent ffff: protocol all u32 match u8 0 0 action
     * mirred egress redirect dev TO} (every frame arriving on FROM leaves through TO).
     */
    static MessageWriter mirredRedirect(int from, int to) {
        MessageWriter message = new MessageWriter(Rtnl.RTM_NEWTFILTER, Rtnl.NEW);
        tcmsg(message, from, 0, Rtnl.INGRESS_HANDLE, Rtnl.ETH_P_ALL_BE);
        message.attrString(Rtnl.TCA_KIND, "u32");
        int options = message.begin(Rtnl.TCA_OPTIONS);
        int actions = message.begin(Rtnl.TCA_U32_ACT);
        int first = message.begin(1);
        message.attrString(Rtnl.TCA_ACT_KIND, "mirred");
        int actionOptions = message.begin(Rtnl.TCA_ACT_OPTIONS | Rtnl.NLA_F_NESTED);
        ByteBuffer mirred = ByteBuffer.allocate(28).order(ByteOrder.nativeOrder());
        mirred.putInt(0).putInt(0).putInt(Rtnl.TC_ACT_STOLEN).putInt(0).putInt(0) // struct tc_gen
                .putInt(Rtnl.TCA_EGRESS_REDIR).putInt(to);
        message.attr(Rtnl.TCA_MIRRED_PARMS, mirred.array()).end(actionOptions).end(first).end(actions);
        // struct tc_u32_sel with one all-zero key: flags TERMINAL, nkeys 1; the key matches everything.
        ByteBuffer selector = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        selector.put((byte) Rtnl.TC_U32_TERMINAL).put((byte) 0).put((byte) 1);
        message.attr(Rtnl.TCA_U32_SEL, selector.array()).end(options);
        return message;
    }

    private static void tcmsg(MessageWriter message, int index, int handle, int parent, int info) {
        message.u8(Inet.AF_UNSPEC).u8(0).u16(0).u32(index).u32(handle).u32(parent).u32(info);
    }

    /** A view of one message: its type, where the fixed header starts and where the message ends. */
    record Frame(ByteBuffer buffer, int type, int flags, int sequence, int start, int end) {
        int body() {
            return start + Rtnl.NLMSG_HDRLEN;
        }

        Attributes attributes(int fixedHeader) {
            return Attributes.parse(buffer, body() + ((fixedHeader + 3) & ~3), end);
        }
    }

    static Link link(Frame frame) {
        ByteBuffer b = frame.buffer();
        int at = frame.body();
        Attributes attributes = frame.attributes(IFINFOMSG);
        return new Link(b.getInt(at + 4), attributes.string(Rtnl.IFLA_IFNAME).orElse(""),
                attributes.nested(Rtnl.IFLA_LINKINFO).flatMap(i -> i.string(Rtnl.IFLA_INFO_KIND)).orElse(""),
                attributes.bytes(Rtnl.IFLA_ADDRESS).map(Inet::mac).orElse(""),
                attributes.u32(Rtnl.IFLA_MTU).orElse(0), b.getInt(at + 8), Short.toUnsignedInt(b.getShort(at + 2)),
                attributes.u32(Rtnl.IFLA_MASTER).orElse(0));
    }

    static Address address(Frame frame) {
        ByteBuffer b = frame.buffer();
        int at = frame.body();
        Attributes attributes = frame.attributes(IFADDRMSG);
        byte[] raw = attributes.bytes(Rtnl.IFA_LOCAL).or(() -> attributes.bytes(Rtnl.IFA_ADDRESS)).orElseThrow(
                () -> new IllegalArgumentException("RTM_NEWADDR without an address"));
        int flags = attributes.u32(Rtnl.IFA_FLAGS).orElse(Byte.toUnsignedInt(b.get(at + 2)));
        return new Address(b.getInt(at + 4), Inet.address(raw), Byte.toUnsignedInt(b.get(at + 1)),
                Byte.toUnsignedInt(b.get(at + 3)), flags);
    }

    static Route route(Frame frame) {
        ByteBuffer b = frame.buffer();
        int at = frame.body();
        Attributes attributes = frame.attributes(RTMSG);
        Optional<InetAddress> destination = attributes.bytes(Rtnl.RTA_DST).map(Inet::address);
        int table = attributes.u32(Rtnl.RTA_TABLE).orElse(Byte.toUnsignedInt(b.get(at + 4)));
        int mtu = attributes.nested(Rtnl.RTA_METRICS).flatMap(m -> m.u32(Rtnl.RTAX_MTU)).orElse(0);
        return new Route(Byte.toUnsignedInt(b.get(at)), destination, Byte.toUnsignedInt(b.get(at + 1)),
                attributes.bytes(Rtnl.RTA_GATEWAY).map(Inet::address),
                attributes.bytes(Rtnl.RTA_PREFSRC).map(Inet::address), attributes.u32(Rtnl.RTA_OIF).orElse(0),
                Byte.toUnsignedInt(b.get(at + 6)), table, Byte.toUnsignedInt(b.get(at + 5)),
                Byte.toUnsignedInt(b.get(at + 7)), b.getInt(at + 8), mtu);
    }

    static Neighbor neighbor(Frame frame) {
        ByteBuffer b = frame.buffer();
        int at = frame.body();
        Attributes attributes = frame.attributes(NDMSG);
        return new Neighbor(b.getInt(at + 4), attributes.bytes(Rtnl.NDA_DST).map(Inet::address).orElseThrow(
                () -> new IllegalArgumentException("RTM_NEWNEIGH without a destination")),
                attributes.bytes(Rtnl.NDA_LLADDR).map(Inet::mac).orElse(""),
                Short.toUnsignedInt(b.getShort(at + 8)), Byte.toUnsignedInt(b.get(at + 10)));
    }

    /** A qdisc or filter (RTM_NEWQDISC / RTM_NEWTFILTER): where it sits and its kind. */
    static TcObject tcObject(Frame frame) {
        ByteBuffer b = frame.buffer();
        int at = frame.body();
        return new TcObject(b.getInt(at + 4), b.getInt(at + 8), b.getInt(at + 12),
                frame.attributes(TCMSG).string(Rtnl.TCA_KIND).orElse(""));
    }
}
