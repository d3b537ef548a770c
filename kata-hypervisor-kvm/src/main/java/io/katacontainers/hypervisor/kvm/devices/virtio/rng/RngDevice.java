package io.katacontainers.hypervisor.kvm.devices.virtio.rng;

import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.ChainCursor;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * virtio-rng (device id 4): one request queue whose writable buffers the device fills from the host's
 * {@code /dev/urandom}, so the guest has entropy at boot.
 */
public final class RngDevice implements VirtioDevice {
    static final int QUEUE_SIZE = 256;
    /** Per request, so one huge buffer cannot keep the device thread from the other devices. */
    static final int MAX_REQUEST = 64 * 1024;

    private final FileChannel source;

    private RngDevice(FileChannel source) {
        this.source = source;
    }

    /** A device reading {@code /dev/urandom}. */
    public static RngDevice open() throws IOException {
        return new RngDevice(FileChannel.open(Path.of("/dev/urandom"), StandardOpenOption.READ));
    }

    @Override
    public int deviceType() {
        return Virtio.ID_RNG;
    }

    @Override
    public long features() {
        return Virtio.F_VERSION_1;
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
        return new byte[0];
    }

    @Override
    public void activate(Activation activation) throws IOException {
        activation.serveQueue(0, chain -> fill(chain.writable()));
    }

    private long fill(ChainCursor buffers) throws IOException {
        long wanted = Math.min(buffers.remaining(), MAX_REQUEST);
        while (buffers.consumed() < wanted) {
            MemorySegment target = buffers.next(wanted - buffers.consumed());
            var buffer = target.asByteBuffer();
            while (buffer.hasRemaining()) {
                if (source.read(buffer) < 0) {
                    throw new IOException("/dev/urandom reported end of file");
                }
            }
        }
        return buffers.consumed();
    }

    @Override
    public void reset() {
        // Nothing outlives a request.
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
