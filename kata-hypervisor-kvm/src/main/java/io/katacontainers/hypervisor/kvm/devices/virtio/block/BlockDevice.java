package io.katacontainers.hypervisor.kvm.devices.virtio.block;

import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestErrorLog;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * virtio-blk (device id 2) backed by a raw image file: one request queue, served synchronously on the device
 * thread (requests are sector I/O against the page cache, like Firecracker's default engine). A read-only device
 * offers VIRTIO_BLK_F_RO and fails writes with IOERR.
 */
public final class BlockDevice implements VirtioDevice {
    static final int SECTOR_SIZE = 512;
    static final int QUEUE_SIZE = 256;
    /** VIRTIO_BLK_F_SEG_MAX: the configuration says how many data buffers one request may have. */
    static final long F_SEG_MAX = 1L << 2;
    /** VIRTIO_BLK_F_RO. */
    static final long F_RO = 1L << 5;
    /** VIRTIO_BLK_F_FLUSH. */
    static final long F_FLUSH = 1L << 9;
    /** The configuration is 60 bytes in virtio 1.2; with our features, capacity and seg_max mean something. */
    static final int CONFIG_SIZE = 60;

    private static final System.Logger LOG = System.getLogger(BlockDevice.class.getName());

    private final Path path;
    private final FileChannel file;
    private final boolean readOnly;
    private final long capacitySectors;
    private final byte[] id;
    private final GuestErrorLog guestErrors = new GuestErrorLog(LOG);

    private BlockDevice(Path path, FileChannel file, boolean readOnly, long capacitySectors, byte[] id) {
        this.path = path;
        this.file = file;
        this.readOnly = readOnly;
        this.capacitySectors = capacitySectors;
        this.id = id;
    }

    /**
     * Opens {@code image} as the disk; its size rounded down to whole sectors is the capacity.
     *
     * @param id the serial the guest reads through GET_ID (at most 20 bytes are used), e.g. the drive id
     */
    public static BlockDevice open(Path image, boolean readOnly, String id) throws IOException {
        FileChannel file = readOnly ? FileChannel.open(image, StandardOpenOption.READ)
                : FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = file.size();
            if (size % SECTOR_SIZE != 0) {
                LOG.log(Level.WARNING, "{0}: size {1} is not a multiple of 512; the guest sees {2} sectors", image,
                        size, size / SECTOR_SIZE);
            }
            byte[] serial = id.getBytes(StandardCharsets.US_ASCII);
            return new BlockDevice(image, file, readOnly, size / SECTOR_SIZE,
                    Arrays.copyOf(serial, Math.min(serial.length, Request.ID_BYTES)));
        } catch (IOException | RuntimeException e) {
            try (file) {
                throw e;
            }
        }
    }

    @Override
    public int deviceType() {
        return Virtio.ID_BLOCK;
    }

    @Override
    public long features() {
        return Virtio.F_VERSION_1 | Virtio.F_RING_INDIRECT_DESC | F_SEG_MAX | F_FLUSH | (readOnly ? F_RO : 0);
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public byte[] config() {
        // seg_max: a request's data buffers plus its header and status fit one indirect table of the queue's size.
        return ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(0, capacitySectors)
                .putInt(12, QUEUE_SIZE - 2).array();
    }

    @Override
    public void activate(Activation activation) throws IOException {
        activation.serveQueue(0,
                chain -> new Request(chain, file, capacitySectors, readOnly, id, path, guestErrors).execute());
    }

    @Override
    public void reset() {
        // Requests complete synchronously: nothing is in flight.
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
