package io.katacontainers.benchmarks.boot;

import io.katacontainers.benchmarks.support.BuiltTree;
import io.katacontainers.benchmarks.support.TempDirs;
import io.katacontainers.hypervisor.kvm.tool.TinyPvhImage;
import io.katacontainers.hypervisor.qemu.host.HostFacts;
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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * QEMU under TCG (this host has no usable KVM) booting our guest kernel: the PVH {@code vmlinux.container} on
 * {@code -M microvm} with the test-init initrd ({@code build-initrd.sh --test-init}: the production image's JRE,
 * crun and /init, in test mode), from QEMU's start until /init prints {@value #INIT_MARKER}. /init prints it after
 * re-rooting and mounting /proc, /sys, /dev, cgroup2 and delegating the controllers: where the production /init
 * starts the agent. That is kernel boot, the unpacking of the initrd and /init's set-up.
 *
 * <p>The peer is the same QEMU command line booting a PVH payload of a few bytes ({@link TinyPvhImage}) that
 * prints {@value #PAYLOAD_MARKER} on COM1: QEMU's own start (the process, TCG, the machine, loading an ELF, the
 * first serial line) without any guest work. ours / peer is 1 + (our kernel and initrd's boot to /init) / (QEMU's
 * start): it grows when our kernel, initrd or /init get slower to boot, and a slower QEMU or a busier host moves
 * both sides. Each operation starts a fresh QEMU and times it to the marker on its console; killing QEMU is
 * outside the timing. Few iterations: one boot takes seconds under TCG.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 4)
@Fork(3)
public class QemuBootBenchmark {
    /** The first line of the test-init /init. */
    public static final String INIT_MARKER = "kata-test-init: booted";
    /** What the peer's payload prints. */
    public static final String PAYLOAD_MARKER = "KATA-PVH-OK";
    private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    private static final long TIMEOUT_SECONDS = 120;
    private static final int CONSOLE_TAIL = 40;

    private Path dir;
    private Path kernel;
    private Path initrd;
    private Path payload;
    private long tscKhz;
    private Process qemu;

    @Setup(Level.Trial)
    public void start() throws IOException {
        kernel = BuiltTree.KERNEL.require();
        initrd = BuiltTree.TEST_INITRD.require();
        tscKhz = HostFacts.read(Path.of("/")).tscKhz().orElseThrow(
                () -> new IllegalStateException("the host reports no TSC frequency; microvm guests need it"));
        dir = TempDirs.create("qemu-boot-bench");
        payload = new TinyPvhImage().print(PAYLOAD_MARKER + "\n").halt().write(dir.resolve("tiny.elf"));
    }

    /** Our kernel and initrd to /init's first line; returns that line. */
    @Benchmark
    public String kernelToInit() throws IOException {
        return boot(List.of("-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append",
                "console=ttyS0 reboot=t quiet tsc_early_khz=" + tscKhz + " no_timer_check panic=-1"), INIT_MARKER);
    }

    /** The peer: the tiny PVH payload to its marker; returns that line. */
    @Benchmark
    public String qemuToPayload() throws IOException {
        return boot(List.of("-kernel", payload.toString()), PAYLOAD_MARKER);
    }

    /** Starts QEMU with the machine both share plus {@code guest}, reads its console up to a line with the marker. */
    private String boot(List<String> guest, String marker) throws IOException {
        List<String> argv = new ArrayList<>(List.of(QEMU.toString(), "-M", "microvm,acpi=off", "-accel", "tcg",
                "-cpu", "max", "-m", "256", "-smp", "1", "-nographic", "-no-reboot"));
        argv.addAll(guest);
        qemu = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        // A guest that hangs silently: killing QEMU ends the read below.
        Process running = qemu;
        CompletableFuture.runAsync(running::destroyForcibly,
                CompletableFuture.delayedExecutor(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        Deque<String> tail = new ArrayDeque<>();
        BufferedReader console = new BufferedReader(new InputStreamReader(qemu.getInputStream(),
                StandardCharsets.UTF_8));
        for (String line; (line = console.readLine()) != null; ) {
            String text = line.strip();
            if (text.contains(marker)) {
                return text.substring(text.indexOf(marker));
            }
            tail.addLast(text);
            if (tail.size() > CONSOLE_TAIL) {
                tail.removeFirst();
            }
        }
        throw new IOException("QEMU ended (or was killed after " + TIMEOUT_SECONDS + " s) before '" + marker
                + "'; " + argv + "; console tail:\n" + String.join("\n", tail));
    }

    @TearDown(Level.Invocation)
    public void stopQemu() throws InterruptedException {
        if (qemu != null) {
            qemu.destroyForcibly().waitFor();
            qemu = null;
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        TempDirs.delete(dir);
    }
}
