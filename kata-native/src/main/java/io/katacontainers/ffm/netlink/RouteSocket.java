package io.katacontainers.ffm.netlink;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A NETLINK_ROUTE socket of the calling thread's network namespace (the namespace is fixed when the socket is
 * opened, so a socket opened inside a pod's namespace keeps acting there from any thread). Each request waits for the
 * kernel's acknowledgement; a refusal is a {@link SyscallException} naming the request and the kernel's errno. Not
 * thread-safe: one owner at a time.
 */
public final class RouteSocket implements AutoCloseable {
    private static final int RECEIVE_BUFFER = 1 << 16;

    private final Fd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment receive = arena.allocate(RECEIVE_BUFFER);
    private int sequence = (int) (System.nanoTime() & 0x3fffffff);

    private RouteSocket(Fd fd) {
        this.fd = fd;
    }

    /** Opens a route socket in the calling thread's network namespace. */
    public static RouteSocket open() throws SyscallException {
        return new RouteSocket(Sockets.open(Rtnl.AF_NETLINK, Rtnl.SOCK_RAW | Rtnl.SOCK_CLOEXEC, Rtnl.NETLINK_ROUTE));
    }

    public List<Link> links() throws SyscallException {
        return dump(Messages.dump(Rtnl.RTM_GETLINK, Inet.AF_UNSPEC), Rtnl.RTM_NEWLINK, Messages::link, "links");
    }

    public Optional<Link> link(String name) throws SyscallException {
        return links().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** The addresses of {@code family} (AF_INET, AF_INET6, or AF_UNSPEC for both). */
    public List<Address> addresses(int family) throws SyscallException {
        return dump(Messages.dump(Rtnl.RTM_GETADDR, family), Rtnl.RTM_NEWADDR, Messages::address, "addresses");
    }

    /** The routes of {@code family} in every table. */
    public List<Route> routes(int family) throws SyscallException {
        return dump(Messages.dump(Rtnl.RTM_GETROUTE, family), Rtnl.RTM_NEWROUTE, Messages::route, "routes");
    }

    public List<Neighbor> neighbors(int family) throws SyscallException {
        return dump(Messages.dump(Rtnl.RTM_GETNEIGH, family), Rtnl.RTM_NEWNEIGH, Messages::neighbor, "neighbours");
    }

    /** The qdiscs of every interface. */
    public List<TcObject> qdiscs() throws SyscallException {
        return dump(Messages.dump(Rtnl.RTM_GETQDISC, Inet.AF_UNSPEC), Rtnl.RTM_NEWQDISC, Messages::tcObject,
                "qdiscs");
    }

    /** The filters attached under the ingress qdisc of interface {@code index}. */
    public List<TcObject> ingressFilters(int index) throws SyscallException {
        MessageWriter request = new MessageWriter(Rtnl.RTM_GETTFILTER, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP)
                .u8(Inet.AF_UNSPEC).u8(0).u16(0).u32(index).u32(0).u32(Rtnl.INGRESS_HANDLE).u32(0);
        return dump(request, Rtnl.RTM_NEWTFILTER, Messages::tcObject, "ingress filters of " + index);
    }

    public void addAddress(Address address) throws SyscallException {
        request(Messages.newAddress(address), "add address " + address);
    }

    public void addRoute(Route route) throws SyscallException {
        request(Messages.newRoute(route), "add route " + route);
    }

    public void addNeighbor(Neighbor neighbor) throws SyscallException {
        request(Messages.newNeighbor(neighbor), "add neighbour " + neighbor.address().getHostAddress());
    }

    /** Sets the interface up (or down), and its MTU and MAC when given (MTU 0 = unchanged). */
    public void setLink(int index, boolean up, int mtu, Optional<String> mac) throws SyscallException {
        request(Messages.setLink(index, up ? Link.IFF_UP : 0, Link.IFF_UP, mtu, mac, Optional.empty()),
                "set link " + index + (up ? " up" : " down") + (mtu > 0 ? " mtu " + mtu : "")
                        + mac.map(m -> " address " + m).orElse(""));
    }

    /** Renames a (down) interface. */
    public void renameLink(int index, String name) throws SyscallException {
        request(Messages.setLink(index, 0, 0, 0, Optional.empty(), Optional.of(name)),
                "rename link " + index + " to " + name);
    }

    public void deleteLink(int index) throws SyscallException {
        request(Messages.deleteLink(index), "delete link " + index);
    }

    public void addIngressQdisc(int index) throws SyscallException {
        request(Messages.ingressQdisc(index, true), "add ingress qdisc to link " + index);
    }

    /** Deletes the ingress qdisc of an interface, and with it every filter under it. */
    public void deleteIngressQdisc(int index) throws SyscallException {
        request(Messages.ingressQdisc(index, false), "delete ingress qdisc of link " + index);
    }

    /** Redirects every frame arriving on {@code from} out of {@code to} (needs {@code from}'s ingress qdisc). */
    public void addMirredRedirect(int from, int to) throws SyscallException {
        request(Messages.mirredRedirect(from, to), "add mirred redirect from link " + from + " to link " + to);
    }

    private void request(MessageWriter message, String what) throws SyscallException {
        int seq = send(message);
        while (true) {
            for (Messages.Frame frame : receive()) {
                if (frame.sequence() != seq) {
                    continue;
                }
                if (frame.type() == Rtnl.NLMSG_ERROR) {
                    int error = frame.buffer().getInt(frame.body());
                    if (error != 0) {
                        throw new SyscallException("netlink: " + what, -error);
                    }
                    return;
                }
            }
        }
    }

    private <T> List<T> dump(MessageWriter message, int type, Function<Messages.Frame, T> decoder, String what)
            throws SyscallException {
        int seq = send(message);
        List<T> result = new ArrayList<>();
        while (true) {
            for (Messages.Frame frame : receive()) {
                if (frame.sequence() != seq) {
                    continue;
                }
                if (frame.type() == Rtnl.NLMSG_DONE) {
                    return result;
                }
                if (frame.type() == Rtnl.NLMSG_ERROR) {
                    int error = frame.buffer().getInt(frame.body());
                    if (error != 0) {
                        throw new SyscallException("netlink: dump " + what, -error);
                    }
                    return result;
                }
                if (frame.type() == type) {
                    result.add(decoder.apply(frame));
                }
            }
        }
    }

    private int send(MessageWriter message) throws SyscallException {
        int seq = ++sequence;
        byte[] bytes = message.toBytes(seq);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment segment = call.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
            long written = Libc.write(fd.get(), segment);
            if (written != bytes.length) {
                throw new IllegalStateException("netlink: short write " + written + " of " + bytes.length);
            }
        }
        return seq;
    }

    private List<Messages.Frame> receive() throws SyscallException {
        long n = Libc.read(fd.get(), receive);
        ByteBuffer buffer = ByteBuffer.wrap(receive.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE))
                .order(ByteOrder.nativeOrder());
        return frames(buffer);
    }

    /** Splits a datagram into its messages. */
    static List<Messages.Frame> frames(ByteBuffer buffer) {
        List<Messages.Frame> frames = new ArrayList<>();
        int at = 0;
        while (at + Rtnl.NLMSG_HDRLEN <= buffer.limit()) {
            int length = buffer.getInt(at);
            if (length < Rtnl.NLMSG_HDRLEN || at + length > buffer.limit()) {
                break;
            }
            frames.add(new Messages.Frame(buffer, Short.toUnsignedInt(buffer.getShort(at + 4)),
                    Short.toUnsignedInt(buffer.getShort(at + 6)), buffer.getInt(at + 8), at, at + length));
            at += (length + 3) & ~3;
        }
        return frames;
    }

    @Override
    public void close() throws SyscallException {
        try {
            fd.close();
        } finally {
            arena.close();
        }
    }
}
