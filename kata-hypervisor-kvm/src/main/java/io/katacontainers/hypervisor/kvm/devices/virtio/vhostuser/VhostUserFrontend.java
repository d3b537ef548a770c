package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * The front end (QEMU's "master") of one vhost-user session: the VMM tells the back end where guest memory and
 * the virtqueues are and hands it the notification eventfds; the back end then serves the queues on its own.
 * <p>
 * {@link #connect} negotiates the session (GET_FEATURES, protocol features, SET_OWNER); the device then calls
 * {@link #setFeatures}, {@link #setMemTable} and {@link #startVring} when the guest driver sets DRIVER_OK, and
 * {@link #stopVring} when it resets the device. Methods are synchronized: requests and replies must not
 * interleave. Any failure breaks the session for good ({@link #failure()}); the caller resets the device.
 */
public final class VhostUserFrontend implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VhostUserFrontend.class.getName());

    /** Feature bit 30: the back end speaks the protocol-feature extension. Not a virtio feature. */
    public static final int F_PROTOCOL_FEATURES = 30;
    /** Protocol feature: GET_QUEUE_NUM tells how many queues the back end serves. */
    public static final int PROTOCOL_F_MQ = 0;
    /** Protocol feature: the back end acknowledges requests that carry {@link VhostUserMessage#NEED_REPLY}. */
    public static final int PROTOCOL_F_REPLY_ACK = 3;
    private static final long SUPPORTED_PROTOCOL_FEATURES = (1L << PROTOCOL_F_MQ) | (1L << PROTOCOL_F_REPLY_ACK);

    private final VhostUserChannel channel;
    private final Duration replyTimeout;
    private long backendFeatures;
    private long protocolFeatures;
    private int queueLimit = -1;
    private String failure;

    private VhostUserFrontend(VhostUserChannel channel, Duration replyTimeout) {
        this.channel = channel;
        this.replyTimeout = replyTimeout;
    }

    /**
     * Connects to a back end listening at {@code socket} and negotiates the session.
     *
     * @param replyTimeout how long any one reply may take before the session is declared dead
     */
    public static VhostUserFrontend connect(Path socket, Duration replyTimeout) throws VhostUserException {
        VhostUserFrontend frontend = new VhostUserFrontend(VhostUserChannel.connect(socket, replyTimeout),
                replyTimeout);
        try {
            frontend.negotiate();
            return frontend;
        } catch (VhostUserException | RuntimeException e) {
            try {
                frontend.close();
            } catch (VhostUserException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private synchronized void negotiate() throws VhostUserException {
        backendFeatures = ask(VhostUserRequest.GET_FEATURES);
        if (hasBit(backendFeatures, F_PROTOCOL_FEATURES)) {
            long offered = ask(VhostUserRequest.GET_PROTOCOL_FEATURES);
            long chosen = offered & SUPPORTED_PROTOCOL_FEATURES;
            tell(VhostUserRequest.SET_PROTOCOL_FEATURES, VhostUserMessage.u64(chosen));
            protocolFeatures = chosen;
            if (hasBit(chosen, PROTOCOL_F_MQ)) {
                queueLimit = (int) Math.min(Integer.MAX_VALUE, ask(VhostUserRequest.GET_QUEUE_NUM));
            }
        }
        tell(VhostUserRequest.SET_OWNER, new byte[0]);
        LOG.log(System.Logger.Level.DEBUG, () -> String.format(
                "vhost-user %s: features 0x%x, protocol features 0x%x, queues %s", channel.path(),
                backendFeatures, protocolFeatures, queueLimit < 0 ? "unknown" : queueLimit));
    }

    /** The virtio feature bits the back end offers (without {@link #F_PROTOCOL_FEATURES}). */
    public synchronized long backendFeatures() {
        return backendFeatures & ~(1L << F_PROTOCOL_FEATURES);
    }

    /** The protocol features both sides use. */
    public synchronized long protocolFeatures() {
        return protocolFeatures;
    }

    /** How many queues the back end serves, when it says (protocol feature MQ). */
    public synchronized OptionalInt queueLimit() {
        return queueLimit < 0 ? OptionalInt.empty() : OptionalInt.of(queueLimit);
    }

    /**
     * The socket, to watch for the back end hanging up between requests (replies are only read inside the
     * calls here, so a watcher must not ask for readability). The front end keeps owning it.
     */
    public Fd connection() {
        return channel.socket();
    }

    /** Why the session broke, or null while it works. */
    public synchronized String failure() {
        return failure;
    }

    /** SET_FEATURES with the virtio features the guest driver accepted (a subset of {@link #backendFeatures()}). */
    public synchronized void setFeatures(long virtioFeatures) throws VhostUserException {
        long unknown = virtioFeatures & ~backendFeatures();
        if (unknown != 0) {
            throw new IllegalArgumentException(String.format(
                    "features 0x%x were not offered by the back end at %s", unknown, channel.path()));
        }
        long features = virtioFeatures | (protocolFeaturesNegotiated() ? 1L << F_PROTOCOL_FEATURES : 0);
        tell(VhostUserRequest.SET_FEATURES, VhostUserMessage.u64(features));
    }

    /**
     * SET_MEM_TABLE: every region of guest RAM, with the memfd sent once per region as the protocol wants. The
     * back end maps it shared, so its reads and writes of guest buffers are ours.
     */
    public synchronized void setMemTable(GuestMemory memory) throws VhostUserException {
        List<GuestMemory.Region> regions = memory.regions();
        if (regions.size() > VhostUserMessage.MAX_MEMORY_REGIONS) {
            throw new IllegalArgumentException(regions.size() + " memory regions; vhost-user takes at most "
                    + VhostUserMessage.MAX_MEMORY_REGIONS);
        }
        List<MemoryRegion> table = new ArrayList<>(regions.size());
        int[] fds = new int[regions.size()];
        for (int i = 0; i < regions.size(); i++) {
            GuestMemory.Region region = regions.get(i);
            table.add(new MemoryRegion(region.guestAddress(), region.size(), region.host().address(),
                    region.fileOffset()));
            fds[i] = memory.fd().get();
        }
        tell(VhostUserRequest.SET_MEM_TABLE, VhostUserMessage.memoryTable(table), fds);
    }

    /**
     * Hands one virtqueue to the back end: size, start index 0, ring addresses (translated to our user
     * addresses, which is what the protocol wants), the kick, call and error eventfds, then enables it.
     *
     * @throws io.katacontainers.hypervisor.kvm.vstate.GuestMemoryException if the guest put a ring outside RAM;
     *         nothing was sent then
     */
    public synchronized void startVring(GuestMemory memory, Vring vring) throws VhostUserException {
        VringAddresses addresses = new VringAddresses(vring.index(),
                memory.slice(vring.descriptorTable(), vring.descriptorTableBytes()).address(),
                memory.slice(vring.usedRing(), vring.usedRingBytes()).address(),
                memory.slice(vring.availableRing(), vring.availableRingBytes()).address());
        if (queueLimit >= 0 && vring.index() >= queueLimit) {
            throw new IllegalArgumentException("queue " + vring.index() + " is beyond the " + queueLimit
                    + " queues the back end at " + channel.path() + " serves");
        }
        tell(VhostUserRequest.SET_VRING_NUM, VhostUserMessage.vringState(vring.index(), vring.size()));
        tell(VhostUserRequest.SET_VRING_BASE, VhostUserMessage.vringState(vring.index(), 0));
        tell(VhostUserRequest.SET_VRING_ADDR, VhostUserMessage.vringAddresses(addresses));
        tell(VhostUserRequest.SET_VRING_KICK, VhostUserMessage.u64(vring.index()), vring.kick().get());
        tell(VhostUserRequest.SET_VRING_CALL, VhostUserMessage.u64(vring.index()), vring.call().get());
        tell(VhostUserRequest.SET_VRING_ERR, VhostUserMessage.u64(vring.index()), vring.error().get());
        if (protocolFeaturesNegotiated()) {
            // With protocol features, rings start disabled until SET_VRING_ENABLE.
            tell(VhostUserRequest.SET_VRING_ENABLE, VhostUserMessage.vringState(vring.index(), 1));
        }
    }

    /**
     * Stops one virtqueue (disable, then GET_VRING_BASE, after which the back end no longer touches the ring
     * and has dropped its eventfds).
     *
     * @return the next available index the back end would have read
     */
    public synchronized int stopVring(int index) throws VhostUserException {
        if (protocolFeaturesNegotiated()) {
            tell(VhostUserRequest.SET_VRING_ENABLE, VhostUserMessage.vringState(index, 0));
        }
        return ask(VhostUserRequest.GET_VRING_BASE, VhostUserMessage.vringState(index, 0),
                reply -> VhostUserMessage.decodeVringNum(reply, index));
    }

    private boolean protocolFeaturesNegotiated() {
        return hasBit(backendFeatures, F_PROTOCOL_FEATURES);
    }

    /** Sends a request that the back end answers with a u64 and returns it. */
    private long ask(VhostUserRequest request) throws VhostUserException {
        return ask(request, new byte[0], VhostUserMessage::decodeU64);
    }

    /** Sends a request that the back end always answers and decodes the reply's payload. */
    private <T> T ask(VhostUserRequest request, byte[] payload, Function<byte[], T> decode) throws VhostUserException {
        checkUsable();
        try {
            channel.send(VhostUserMessage.request(request, false, payload));
            return decode.apply(channel.receiveReply(request, replyTimeout));
        } catch (IllegalArgumentException e) {
            throw broken(new VhostUserException("the vhost-user back end at " + channel.path()
                    + " sent a malformed " + request + " reply: " + e.getMessage()));
        } catch (VhostUserException e) {
            throw broken(e);
        }
    }

    /** Sends a request without an answer; with REPLY_ACK, waits for the acknowledgement and checks it. */
    private void tell(VhostUserRequest request, byte[] payload, int... fds) throws VhostUserException {
        checkUsable();
        boolean acknowledged = hasBit(protocolFeatures, PROTOCOL_F_REPLY_ACK);
        try {
            channel.send(VhostUserMessage.request(request, acknowledged, payload), fds);
            if (acknowledged) {
                long status = VhostUserMessage.decodeU64(channel.receiveReply(request, replyTimeout));
                if (status != 0) {
                    throw new VhostUserException("the vhost-user back end at " + channel.path() + " rejected "
                            + request + " (status " + status + "); see its log");
                }
            }
        } catch (IllegalArgumentException e) {
            throw broken(new VhostUserException("the vhost-user back end at " + channel.path()
                    + " sent a malformed acknowledgement of " + request + ": " + e.getMessage()));
        } catch (VhostUserException e) {
            throw broken(e);
        }
    }

    private void checkUsable() throws VhostUserException {
        if (failure != null) {
            throw new VhostUserException("the vhost-user session with " + channel.path() + " failed earlier: "
                    + failure);
        }
    }

    private VhostUserException broken(VhostUserException e) {
        failure = e.getMessage();
        return e;
    }

    private static boolean hasBit(long bits, int bit) {
        return (bits & (1L << bit)) != 0;
    }

    /** Closes the socket; the back end sees end of file, and virtiofsd then exits. */
    @Override
    public synchronized void close() throws VhostUserException {
        if (failure == null) {
            failure = "the session was closed";
        }
        channel.close();
    }
}
