package io.katacontainers.benchmarks.datapath;

import io.katacontainers.benchmarks.support.TempDirs;
import io.katacontainers.hypervisor.kvm.devices.virtio.vsock.VsockRelay;
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

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The built-in VMM's virtio-vsock relay (hybrid-vsock unix socket, device, guest rings played by the device tests'
 * guest driver), one transfer of {@link #mib} MiB per operation in each direction, against the peer: the same
 * bytes through one plain unix socket pair. Every transfer's SHA-256 is checked.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(3)
public class VsockRelayBenchmark {
    /** MiB per transfer. */
    @Param("4")
    public int mib;

    /** Bytes of each guest RX buffer: 4096 is what Linux's virtio-vsock driver posts. */
    @Param("4096")
    public int rxBuffer;

    private Payload payload;
    private Path dir;
    private VsockRelay relay;
    private VsockRelay.UnixSocketPeer peer;

    @Setup(Level.Trial)
    public void start() throws Exception {
        payload = Payload.random(mib << 20);
        dir = TempDirs.create("vsock-bench");
        relay = VsockRelay.open(dir, rxBuffer);
        peer = VsockRelay.UnixSocketPeer.open(dir.resolve("peer.sock"));
    }

    /** Host socket to guest RX ring; returns what arrived, checked. */
    @Benchmark
    public byte[] hostToGuest() throws Exception {
        return payload.check(relay.hostToGuest(payload.bytes()), "vsock host to guest");
    }

    /** Guest TX ring to host socket; returns what arrived, checked. */
    @Benchmark
    public byte[] guestToHost() throws Exception {
        return payload.check(relay.guestToHost(payload.bytes()), "vsock guest to host");
    }

    /** The peer: one plain unix socket. */
    @Benchmark
    public byte[] unixSocket() throws Exception {
        return payload.check(peer.transfer(payload.bytes()), "plain unix socket");
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try (VsockRelay r = relay; VsockRelay.UnixSocketPeer p = peer) {
            // closed in reverse order, then the directory goes
        } finally {
            TempDirs.delete(dir);
        }
    }
}
