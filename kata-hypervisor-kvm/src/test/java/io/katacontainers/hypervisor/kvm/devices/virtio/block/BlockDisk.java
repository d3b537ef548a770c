package io.katacontainers.hypervisor.kvm.devices.virtio.block;

import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A virtio-blk disk on an image file with the guest driver played in this process, for the block throughput
 * benchmark in the benchmarks module: sequential requests of one data buffer each, one in flight (submit, kick,
 * wait for the used ring), as a guest doing synchronous direct I/O would issue them.
 */
public final class BlockDisk implements AutoCloseable {
    private static final int QUEUE_SIZE = 64;

    private final GuestMemory memory;
    private final EventLoop loop;
    private final MmioTransport transport;
    private final GuestDriver driver;
    private final long header;
    private final long data;
    private final long status;
    private final int chunk;

    private BlockDisk(GuestMemory memory, EventLoop loop, MmioTransport transport, GuestDriver driver, int chunk) {
        this.memory = memory;
        this.loop = loop;
        this.transport = transport;
        this.driver = driver;
        this.chunk = chunk;
        this.header = driver.allocate(Request.HEADER_SIZE);
        this.data = driver.allocate(chunk);
        this.status = driver.allocate(1);
    }

    /** The device on {@code image} (read-write), requests of {@code chunk} bytes (a multiple of 512). */
    public static BlockDisk open(Path image, int chunk) throws IOException {
        if (chunk <= 0 || chunk % BlockDevice.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("the request size must be a positive multiple of 512, not " + chunk);
        }
        GuestMemory memory = GuestMemory.create("blk-bench", chunk + (4L << 20));
        EventLoop loop = null;
        try {
            loop = EventLoop.start("virtio-blk-bench");
            MmioTransport transport = new MmioTransport("blk@bench", BlockDevice.open(image, false, "bench"), memory,
                    loop);
            GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
            driver.start(transport.device().features());
            return new BlockDisk(memory, loop, transport, driver, chunk);
        } catch (IOException | RuntimeException e) {
            try (GuestMemory m = memory; EventLoop l = loop) {
                throw e;
            }
        }
    }

    /** Reads {@code count} chunks from byte {@code offset} on; returns the data bytes the device wrote. */
    public long read(long offset, int count) throws Exception {
        return requests(Request.T_IN, offset, count) - count;
    }

    /** Writes the data buffer {@code count} times from byte {@code offset} on; returns the bytes written. */
    public long write(long offset, int count) throws Exception {
        requests(Request.T_OUT, offset, count);
        return (long) count * chunk;
    }

    private long requests(int type, long offset, int count) throws Exception {
        boolean in = type == Request.T_IN;
        long used = 0;
        for (int i = 0; i < count; i++) {
            long sector = (offset + (long) i * chunk) / BlockDevice.SECTOR_SIZE;
            memory.write(header, ByteBuffer.allocate(Request.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(0, type).putLong(8, sector).array(), 0, Request.HEADER_SIZE);
            int head = driver.submit(0, Buffer.in(header, Request.HEADER_SIZE),
                    in ? Buffer.out(data, chunk) : Buffer.in(data, chunk), Buffer.out(status, 1));
            driver.kick(0);
            GuestDriver.Used done = driver.awaitUsed(0);
            if (done.head() != head || memory.readByte(status) != Request.S_OK) {
                throw new IOException("virtio-blk request " + i + " (type " + type + ", sector " + sector
                        + ") failed: chain " + done.head() + " of " + head + ", status " + memory.readByte(status));
            }
            used += done.length();
        }
        return used;
    }

    /** The guest's data buffer (what the last read brought in). */
    public byte[] buffer() {
        byte[] bytes = new byte[chunk];
        memory.read(data, bytes, 0, chunk);
        return bytes;
    }

    /** Fills the guest's data buffer, for the next writes. */
    public void fill(byte[] bytes) {
        if (bytes.length != chunk) {
            throw new IllegalArgumentException("the buffer holds " + chunk + " bytes, not " + bytes.length);
        }
        memory.write(data, bytes, 0, chunk);
    }

    @Override
    public void close() throws Exception {
        try (GuestMemory m = memory; EventLoop l = loop) {
            transport.close();
        }
    }
}
