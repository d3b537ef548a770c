package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** The few FUSE messages (linux/fuse.h, protocol 7.31) a test needs to talk to virtiofsd as a guest would. */
final class FuseWire {
    static final int LOOKUP = 1;
    static final int GETATTR = 3;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int INIT = 26;
    static final long ROOT_ID = 1;
    static final int IN_HEADER = 40;
    static final int OUT_HEADER = 16;
    /** fuse_entry_out: nodeid, generation, entry/attr validity, then fuse_attr (ino, size, ...). */
    static final int ENTRY_OUT = 128;
    /** fuse_attr_out: attr_valid, attr_valid_nsec, dummy, then fuse_attr, whose mode is at offset 60. */
    static final int ATTR_OUT = 104;
    static final int ATTR_OUT_MODE = 16 + 60;

    private FuseWire() {
    }

    /** fuse_in_header and the request body. */
    static byte[] request(int opcode, long unique, long nodeId, byte[] body) {
        return le(IN_HEADER + body.length)
                .putInt(IN_HEADER + body.length).putInt(opcode).putLong(unique).putLong(nodeId)
                .putInt(0).putInt(0).putInt(1).putInt(0)
                .put(body).array();
    }

    /** fuse_init_in for 7.31: major, minor, max_readahead, flags. */
    static byte[] init() {
        return le(16).putInt(7).putInt(31).putInt(128 * 1024).putInt(0).array();
    }

    static byte[] name(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return le(bytes.length + 1).put(bytes).put((byte) 0).array();
    }

    /** fuse_getattr_in: getattr_flags, dummy, fh (no handle: flags 0). */
    static byte[] getattr() {
        return le(16).array();
    }

    /** fuse_open_in: flags (O_RDONLY), open_flags. */
    static byte[] openReadOnly() {
        return le(8).putInt(0).putInt(0).array();
    }

    /** fuse_read_in: fh, offset, size, read_flags, lock_owner, flags, padding. */
    static byte[] read(long handle, long offset, int size) {
        return le(40).putLong(handle).putLong(offset).putInt(size).putInt(0).putLong(0).putInt(0).putInt(0)
                .array();
    }

    /** fuse_out_header: len, error (a negative errno), unique. */
    record OutHeader(int length, int error, long unique) {
        static OutHeader decode(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            return new OutHeader(in.getInt(), in.getInt(), in.getLong());
        }
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
