package io.katacontainers.benchmarks.datapath;

import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.benchmarks.support.TempDirs;
import io.katacontainers.hypervisor.kvm.devices.virtio.fs.FuseRoundTrip;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One FUSE request (GETATTR of the shared root, reply checked) through the built-in VMM's virtio-fs device as a
 * guest sees it (notify eventfd, virtiofsd, call relay to the interrupt, used ring), against the peer: the same
 * request straight through a vhost-user session to another virtiofsd, without the device. Needs
 * /usr/lib/qemu/virtiofsd and setpriv.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(3)
public class VirtioFsBenchmark {
    private Path dir;
    private ProcessLauncher launcher;
    private FuseRoundTrip device;
    private FuseRoundTrip direct;

    @Setup(Level.Trial)
    public void start() throws Exception {
        FuseRoundTrip.requireBinaries();
        dir = TempDirs.create("virtiofs-bench");
        Files.createDirectories(dir.resolve("shared"));
        launcher = new ProcessLauncher(Optional.of(FuseRoundTrip.SETPRIV), "virtiofs-bench");
        device = FuseRoundTrip.throughDevice(launcher, dir);
        direct = FuseRoundTrip.direct(launcher, dir);
    }

    /** Through the device; returns the root's mode (checked to be a directory's). */
    @Benchmark
    public int device() throws Exception {
        return device.getattrRoot();
    }

    /** The peer: a direct vhost-user session. */
    @Benchmark
    public int vhostUser() throws Exception {
        return direct.getattrRoot();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try (ProcessLauncher l = launcher; FuseRoundTrip a = device; FuseRoundTrip b = direct) {
            // sessions first, then their daemons' launcher
        } finally {
            TempDirs.delete(dir);
        }
    }
}
