package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The virtio-fs configuration space (virtio 1.2 section 5.11.4): the tag the guest mounts by
 * ({@code mount -t virtiofs TAG /dir}), then the number of request queues.
 *
 * @param tag UTF-8, 1 to 36 bytes, no NUL
 * @param requestQueues request queues besides the high-priority queue
 */
public record FsConfigSpace(String tag, int requestQueues) {
    /** {@code u8 tag[36]}: NUL-padded, and not NUL-terminated when it uses all 36 bytes. */
    public static final int TAG_SIZE = 36;
    public static final int SIZE = TAG_SIZE + 4;

    public FsConfigSpace {
        byte[] bytes = tag.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > TAG_SIZE || tag.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("virtio-fs tag \"" + tag + "\" must be 1 to " + TAG_SIZE
                    + " bytes of UTF-8 without NUL");
        }
        if (requestQueues < 1) {
            throw new IllegalArgumentException("virtio-fs needs at least one request queue, not " + requestQueues);
        }
    }

    /** The bytes the driver reads at the transport's config offset. */
    public byte[] bytes() {
        byte[] tagBytes = tag.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .put(tagBytes).position(TAG_SIZE).putInt(requestQueues)
                .array();
    }
}
