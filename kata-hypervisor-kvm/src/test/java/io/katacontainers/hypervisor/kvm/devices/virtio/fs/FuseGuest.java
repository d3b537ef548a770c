package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.nio.ByteBuffer;

/**
 * The guest's FUSE client, as far as tests need it: INIT, then LOOKUP, OPEN and READ of one file in the shared
 * directory, each as the Linux virtio-fs driver sends it (request readable; reply header and reply body in two
 * writable buffers) over whatever carries the chain to the daemon. Plain Java (no JUnit), so that the round-trip
 * benchmark can run it; a wrong reply throws {@link AssertionError}.
 */
final class FuseGuest {
    /** Bytes the reply body buffer holds. */
    static final int DATA = 8192;

    /** Puts one chain on the request queue, notifies, and waits for it to be used; returns the bytes written. */
    @FunctionalInterface
    interface RequestQueue {
        int exchange(long request, int requestLength, long replyHeader, long replyBody) throws Exception;
    }

    private final GuestMemory memory;
    private final RequestQueue queue;
    private final long buffers;
    private long unique;

    /** Uses guest RAM at {@code buffers} (24 KiB) for requests and replies. */
    FuseGuest(GuestMemory memory, RequestQueue queue, long buffers) {
        this.memory = memory;
        this.queue = queue;
        this.buffers = buffers;
    }

    /** FUSE_INIT; returns the daemon's protocol major version. */
    int init() throws Exception {
        return exchange(FuseWire.INIT, 0, FuseWire.init()).getInt();
    }

    /** GETATTR of the shared directory's root; returns its mode (a directory's). */
    int rootMode() throws Exception {
        ByteBuffer attr = exchange(FuseWire.GETATTR, FuseWire.ROOT_ID, FuseWire.getattr());
        check(attr.remaining() == FuseWire.ATTR_OUT, "fuse_attr_out has " + attr.remaining() + " bytes");
        int mode = attr.getInt(FuseWire.ATTR_OUT_MODE);
        check((mode & 0170000) == 0040000, "the root is a directory, mode 0" + Integer.toOctalString(mode));
        return mode;
    }

    /** LOOKUP, OPEN and READ of {@code name} in the shared directory's root. */
    byte[] readFile(String name, int length) throws Exception {
        ByteBuffer entry = exchange(FuseWire.LOOKUP, FuseWire.ROOT_ID, FuseWire.name(name));
        check(entry.remaining() == FuseWire.ENTRY_OUT, "fuse_entry_out has " + entry.remaining() + " bytes");
        long node = entry.getLong(0);
        check(entry.getLong(48) == length, "fuse_attr.size is " + entry.getLong(48) + ", not " + length);
        long handle = exchange(FuseWire.OPEN, node, FuseWire.openReadOnly()).getLong(0);
        ByteBuffer data = exchange(FuseWire.READ, node, FuseWire.read(handle, 0, DATA));
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return bytes;
    }

    /** One request; checks the reply header (no error, our unique id, the used length) and returns the body. */
    private ByteBuffer exchange(int opcode, long node, byte[] body) throws Exception {
        byte[] request = FuseWire.request(opcode, ++unique, node, body);
        long header = buffers + 0x1000;
        long payload = buffers + 0x2000;
        memory.write(buffers, request, 0, request.length);
        int written = queue.exchange(buffers, request.length, header, payload);
        byte[] headerBytes = new byte[FuseWire.OUT_HEADER];
        memory.read(header, headerBytes, 0, headerBytes.length);
        FuseWire.OutHeader reply = FuseWire.OutHeader.decode(headerBytes);
        check(reply.equals(new FuseWire.OutHeader(written, 0, unique)), "reply to opcode " + opcode + " is " + reply
                + " for " + written + " bytes used and unique " + unique + " (error is a negative errno)");
        byte[] bytes = new byte[reply.length() - FuseWire.OUT_HEADER];
        memory.read(payload, bytes, 0, bytes.length);
        return FuseWire.le(bytes);
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
