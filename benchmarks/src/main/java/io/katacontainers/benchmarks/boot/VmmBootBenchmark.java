package io.katacontainers.benchmarks.boot;

import io.katacontainers.api.kernel.KernelCommandLine;
import io.katacontainers.benchmarks.support.TempDirs;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.hypervisor.kvm.Vmm;
import io.katacontainers.hypervisor.kvm.tool.TinyPvhImage;
import io.katacontainers.hypervisor.kvm.vstate.VcpuExit;
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

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Boot latency of the built-in VMM on this host's /dev/kvm, which runs tiny guests even where it cannot boot Linux
 * (PVM): a PVH payload that writes one byte to COM1 and halts, measured to that port write and to the halt, and the
 * VMM's set-up alone (guest memory, VM, in-kernel devices, vCPU, legacy devices) without running the guest. The
 * peer of each is {@link RawKvmGuest}: the same steps on the bare bindings (real mode, no devices), i.e. the KVM
 * cost under the VMM. Every operation creates and boots a fresh VM; closing it is outside the timing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 20)
@Fork(3)
public class VmmBootBenchmark {
    static final long MEMORY = 16L << 20;
    static final byte MARKER = 'K';
    private static final long TIMEOUT_SECONDS = 30;

    private Path dir;
    private Path kernel;
    private KvmSystem kvm;
    private Vmm vmm;
    private RawKvmGuest raw;

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = TempDirs.create("vmm-boot-bench");
        kernel = new TinyPvhImage().print(String.valueOf((char) MARKER)).halt().write(dir.resolve("tiny.elf"));
        kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
    }

    /** The built-in VMM from nothing to the guest's port write; returns the byte the console got. */
    @Benchmark
    public int builtinToPortWrite() throws Exception {
        CompletableFuture<Integer> written = new CompletableFuture<>();
        vmm = Vmm.create(kvm, config(), new OutputStream() {
            @Override
            public void write(int b) {
                written.complete(b);
            }
        }, exit -> written.completeExceptionally(new IOException("the guest ended first: " + exit.describe())));
        vmm.boot();
        return expectMarker(await(written, "the port write"), "built-in VMM");
    }

    /** The built-in VMM from nothing to the guest's halt; returns the exit, checked to be the halt. */
    @Benchmark
    public VcpuExit builtinToHalt() throws Exception {
        CompletableFuture<VcpuExit> ended = new CompletableFuture<>();
        vmm = Vmm.create(kvm, config(), OutputStream.nullOutputStream(), ended::complete);
        vmm.boot();
        VcpuExit exit = await(ended, "the halt");
        if (!(exit instanceof VcpuExit.GuestShutdown) || !exit.describe().contains("halted")) {
            throw new IOException("the tiny guest did not halt: " + exit.describe());
        }
        return exit;
    }

    /** The built-in VMM's set-up (memory, VM, vCPU, devices) without running the guest. */
    @Benchmark
    public Vmm builtinSetup() throws Exception {
        vmm = Vmm.create(kvm, config(), OutputStream.nullOutputStream(), exit -> { });
        return vmm;
    }

    /** The peer of {@link #builtinToPortWrite()}. */
    @Benchmark
    public int rawToPortWrite() throws Exception {
        raw = RawKvmGuest.create(kvm, MEMORY, MARKER);
        return expectMarker(raw.runToPortWrite(), "raw KVM");
    }

    /** The peer of {@link #builtinToHalt()}; returns the exits it took. */
    @Benchmark
    public int rawToHalt() throws Exception {
        raw = RawKvmGuest.create(kvm, MEMORY, MARKER);
        return raw.runToHalt();
    }

    /** The peer of {@link #builtinSetup()}. */
    @Benchmark
    public RawKvmGuest rawSetup() throws Exception {
        raw = RawKvmGuest.create(kvm, MEMORY, MARKER);
        return raw;
    }

    @TearDown(Level.Invocation)
    public void closeVm() throws Exception {
        try (Vmm v = vmm; RawKvmGuest r = raw) {
            vmm = null;
            raw = null;
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try (KvmSystem k = kvm) {
            TempDirs.delete(dir);
        }
    }

    private Vmm.Config config() {
        // No irqchip: the guest's hlt then ends the VM (as for every tiny payload).
        return new Vmm.Config(1, MEMORY, kernel, Optional.empty(), new KernelCommandLine(List.of(), "", List.of()),
                false);
    }

    private static int expectMarker(int value, String who) throws IOException {
        if (value != MARKER) {
            throw new IOException(who + ": the guest wrote 0x" + Integer.toHexString(value) + ", not the marker");
        }
        return value;
    }

    private static <T> T await(CompletableFuture<T> future, String what) throws Exception {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the tiny guest did not reach " + what + " in " + TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            throw new IOException("the tiny guest failed before " + what, e.getCause());
        }
    }
}
