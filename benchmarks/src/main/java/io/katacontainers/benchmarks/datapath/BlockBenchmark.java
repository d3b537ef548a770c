package io.katacontainers.benchmarks.datapath;

import io.katacontainers.benchmarks.support.TempDirs;
import io.katacontainers.hypervisor.kvm.devices.virtio.block.BlockDisk;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The built-in VMM's virtio-blk data path (guest driver of the device tests, one request of {@link #chunkKib} KiB
 * in flight, the device serving it on its event loop) reading and writing {@link #mib} MiB sequentially per
 * operation, against the peer: pread/pwrite of the same chunks on the same image file. Both go through the page
 * cache; the ratio is what the device adds to the system call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(3)
public class BlockBenchmark {
    /** MiB per operation; also the image's size. */
    @Param("8")
    public int mib;

    /** KiB per request. */
    @Param("64")
    public int chunkKib;

    private Path dir;
    private BlockDisk disk;
    private FileChannel file;
    private ByteBuffer buffer;
    private int chunk;
    private int count;

    @Setup(Level.Trial)
    public void start() throws Exception {
        chunk = chunkKib << 10;
        count = (mib << 20) / chunk;
        dir = TempDirs.create("blk-bench");
        Path image = dir.resolve("disk.img");
        Files.write(image, Payload.random(mib << 20).bytes());
        disk = BlockDisk.open(image, chunk);
        disk.fill(Payload.random(chunk).bytes());
        file = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
        buffer = ByteBuffer.allocateDirect(chunk);
        buffer.put(Payload.random(chunk).bytes()).flip();
    }

    /** Reads the image through the device; returns the data bytes the device delivered. */
    @Benchmark
    public long virtioRead() throws Exception {
        return expect(disk.read(0, count), "virtio-blk read");
    }

    /** Writes the image through the device; returns the bytes written. */
    @Benchmark
    public long virtioWrite() throws Exception {
        return expect(disk.write(0, count), "virtio-blk write");
    }

    /** The peer of {@link #virtioRead()}: pread of the same chunks. */
    @Benchmark
    public long pread() throws IOException {
        return expect(syscalls(false), "pread");
    }

    /** The peer of {@link #virtioWrite()}: pwrite of the same chunks. */
    @Benchmark
    public long pwrite() throws IOException {
        return expect(syscalls(true), "pwrite");
    }

    private long syscalls(boolean write) throws IOException {
        long total = 0;
        for (int i = 0; i < count; i++) {
            buffer.clear();
            total += write ? file.write(buffer, (long) i * chunk) : file.read(buffer, (long) i * chunk);
        }
        return total;
    }

    private long expect(long bytes, String path) {
        if (bytes != (long) count * chunk) {
            throw new IllegalStateException(path + " moved " + bytes + " bytes, not " + (long) count * chunk);
        }
        return bytes;
    }

    /** The image file, for the smoke test to check the bytes themselves. */
    public Path image() {
        return dir.resolve("disk.img");
    }

    /** The guest's data buffer of the device: what the last read brought in, or what writes write. */
    public byte[] deviceBuffer() {
        return disk.buffer();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try (BlockDisk d = disk; FileChannel f = file) {
            // both closed
        } finally {
            TempDirs.delete(dir);
        }
    }
}
