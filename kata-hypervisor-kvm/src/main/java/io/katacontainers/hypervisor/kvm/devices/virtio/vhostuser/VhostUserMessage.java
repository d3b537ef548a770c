package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One vhost-user message as it travels on the socket: a 12-byte header (request u32, flags u32, payload size
 * u32, all little-endian on x86) and the payload. Descriptors travel beside it as SCM_RIGHTS, not in here.
 *
 * @param request the request number
 * @param flags version (low two bits), {@link #REPLY}, {@link #NEED_REPLY}
 * @param payload the payload bytes
 */
public record VhostUserMessage(int request, int flags, byte[] payload) {
    public static final int HEADER_SIZE = 12;
    /** The only protocol version there is. */
    public static final int VERSION = 0x1;
    public static final int VERSION_MASK = 0x3;
    /** Set by the back end on its replies. */
    public static final int REPLY = 0x4;
    /** Asks the back end for an acknowledgement (REPLY_ACK protocol feature). */
    public static final int NEED_REPLY = 0x8;
    /** SET_MEM_TABLE carries at most this many regions (and as many descriptors). */
    public static final int MAX_MEMORY_REGIONS = 8;
    /** No reply we accept is bigger than the memory table; a bigger size means a confused peer. */
    public static final int MAX_PAYLOAD = 8 + MAX_MEMORY_REGIONS * MemoryRegion.WIRE_SIZE;

    public VhostUserMessage {
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** A request of ours with version 1 and, if {@code needReply}, the REPLY_ACK flag. */
    public static VhostUserMessage request(VhostUserRequest request, boolean needReply, byte[] payload) {
        return new VhostUserMessage(request.code(), VERSION | (needReply ? NEED_REPLY : 0), payload);
    }

    /** Header and payload, ready for the socket. */
    public byte[] encode() {
        return buffer(HEADER_SIZE + payload.length)
                .putInt(request).putInt(flags).putInt(payload.length).put(payload)
                .array();
    }

    /** The three header fields of a message; {@code size} is the payload length that follows. */
    public record Header(int request, int flags, int size) {
        public static Header decode(byte[] bytes) {
            if (bytes.length != HEADER_SIZE) {
                throw new IllegalArgumentException("a vhost-user header has " + HEADER_SIZE + " bytes, not "
                        + bytes.length);
            }
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            return new Header(in.getInt(), in.getInt(), in.getInt());
        }

        /**
         * Why this header is not a well-formed reply to {@code expected}, or null if it is.
         */
        public String replyProblem(VhostUserRequest expected) {
            if ((flags & VERSION_MASK) != VERSION) {
                return "protocol version " + (flags & VERSION_MASK) + " (expected " + VERSION + ")";
            }
            if ((flags & REPLY) == 0) {
                return "a message without the reply flag (flags 0x" + Integer.toHexString(flags) + ")";
            }
            if (request != expected.code()) {
                return "a reply to request " + request + " instead of " + expected + " (" + expected.code() + ")";
            }
            if (size < 0 || size > MAX_PAYLOAD) {
                return "a payload of " + Integer.toUnsignedString(size) + " bytes";
            }
            return null;
        }
    }

    /** A u64 payload: feature bits, an acknowledgement status, or a vring index with flags. */
    public static byte[] u64(long value) {
        return buffer(8).putLong(value).array();
    }

    /** {@code struct vhost_vring_state}: index and a number (size, base index, or enable flag). */
    public static byte[] vringState(int index, int num) {
        return buffer(8).putInt(index).putInt(num).array();
    }

    /** {@code struct vhost_vring_addr} with no flags and no log address (we never log dirty pages). */
    public static byte[] vringAddresses(VringAddresses addresses) {
        return buffer(VringAddresses.WIRE_SIZE)
                .putInt(addresses.index()).putInt(0)
                .putLong(addresses.descriptorTable()).putLong(addresses.usedRing())
                .putLong(addresses.availableRing()).putLong(0)
                .array();
    }

    /** The memory table: region count, padding, then only the regions in use (the back end reads what we send). */
    public static byte[] memoryTable(List<MemoryRegion> regions) {
        if (regions.isEmpty() || regions.size() > MAX_MEMORY_REGIONS) {
            throw new IllegalArgumentException("a memory table has 1 to " + MAX_MEMORY_REGIONS + " regions, not "
                    + regions.size());
        }
        ByteBuffer out = buffer(8 + regions.size() * MemoryRegion.WIRE_SIZE).putInt(regions.size()).putInt(0);
        for (MemoryRegion region : regions) {
            out.putLong(region.guestAddress()).putLong(region.size())
                    .putLong(region.userAddress()).putLong(region.mmapOffset());
        }
        return out.array();
    }

    /** Reads a u64 payload. */
    public static long decodeU64(byte[] payload) {
        requireSize(payload, 8, "u64");
        return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Reads the {@code num} of a vring-state payload after checking its index. */
    public static int decodeVringNum(byte[] payload, int expectedIndex) {
        requireSize(payload, 8, "vring state");
        ByteBuffer in = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int index = in.getInt();
        if (index != expectedIndex) {
            throw new IllegalArgumentException("vring state for queue " + index + " instead of " + expectedIndex);
        }
        return in.getInt();
    }

    private static void requireSize(byte[] payload, int size, String what) {
        if (payload.length != size) {
            throw new IllegalArgumentException("a " + what + " payload has " + size + " bytes, not "
                    + payload.length);
        }
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
