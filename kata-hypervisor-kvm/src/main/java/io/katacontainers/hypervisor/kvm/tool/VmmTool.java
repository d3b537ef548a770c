package io.katacontainers.hypervisor.kvm.tool;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.TunTap;
import io.katacontainers.hypervisor.kvm.BuiltinDriver;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code kata-vmm}: the built-in VMM on its own, for the nested KVM harness and benchmarks. {@code boot} runs a guest
 * through the {@code builtin} driver (exactly as the runtime does) and streams its console; {@code exit-cost}
 * measures the VMM's cost per guest exit with a tiny guest.
 */
public final class VmmTool {
    private static final String USAGE = """
            Usage: kata-vmm boot --kernel FILE [--initrd FILE] [--vcpus N] [--memory MIB] [--params "..."]
                                 [--tap NAME [--mac MAC] [--mtu N]] [--until TEXT] [--timeout SECONDS] [--json]
                   kata-vmm exit-cost [--exits N] [--runs N] [--seccomp] [--json]
                   kata-vmm snapshot-cycle --kernel FILE --initrd FILE [--vcpus N] [--memory MIB] [--restores N]
                                           [--timeout SECONDS] [--dir DIR]
                   kata-vmm --help

              boot       boots the guest with the built-in VMM and copies its console to stdout (stderr with --json)
                         until the guest ends by itself, or until the console shows TEXT (then the VM is stopped).
                         Exit 0 when either happened, 124 on timeout (default 120 s), 1 when the VMM failed.
                         --json prints {"seconds":S,"reached":BOOL,"state":"..."} on stdout.
                         --tap gives the guest a virtio-net interface (eth0) on the tap NAME of the current network
                         namespace (created if missing), with MAC (default 02:00:00:00:00:02) and MTU (default 1500).
              snapshot-cycle
                         boots the guest (the agent's initrd) to a ready agent, snapshots it, and restores the snapshot
                         N times (default 2) into new VMs that run side by side; prints key=value timings (ms) and
                         whether each agent answered and ran a debug-console command. Exit 0 when all did.
              exit-cost  runs a tiny guest that writes a UART register N times (default 100000) and prints the
                         median VMM cost per exit over R runs (default 5), setup cost subtracted. --seccomp runs
                         the vCPU thread under the VMM's seccomp filter, as the runtime does.
            """;

    private VmmTool() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        try {
            System.exit(run(List.of(args), out, System.err));
        } catch (UsageException e) {
            System.err.println("kata-vmm: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        }
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        if (args.isEmpty() || args.contains("--help") || args.contains("-h")) {
            out.print(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        Options options = Options.parse(args.subList(1, args.size()));
        try {
            return switch (args.getFirst()) {
                case "boot" -> boot(options, out, err);
                case "exit-cost" -> exitCost(options, out);
                case "snapshot-cycle" -> SnapshotCycle.run(new SnapshotCycle.Options(Path.of(options.required(
                        "--kernel")), Path.of(options.required("--initrd")), (int) options.number("--vcpus", 1),
                        options.number("--memory", 512), (int) options.number("--restores", 2),
                        Duration.ofSeconds(options.number("--timeout", 300)),
                        Path.of(options.value("--dir").orElse(System.getProperty("java.io.tmpdir")))), out, err);
                default -> throw new UsageException("unknown command " + args.getFirst());
            };
        } catch (HypervisorException | IOException e) {
            err.println("kata-vmm: " + (e.getMessage() != null ? e.getMessage() : e));
            if (e.getMessage() == null) {
                e.printStackTrace(err);
            }
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("kata-vmm: interrupted");
            return 130;
        }
    }

    private static int boot(Options o, PrintStream out, PrintStream err)
            throws UsageException, HypervisorException, IOException, InterruptedException {
        Path kernel = Path.of(o.required("--kernel"));
        Optional<Path> initrd = o.value("--initrd").map(Path::of);
        Optional<String> until = o.value("--until");
        Duration timeout = Duration.ofSeconds(o.number("--timeout", 120));
        boolean json = o.flag("--json");
        PrintStream console = json ? err : out;
        Path runDir = Files.createTempDirectory("kata-vmm-");
        VmSpec spec = new VmSpec("kata-vmm", runDir, Path.of("builtin"), "microvm", (int) o.number("--vcpus", 1),
                o.number("--memory", 512), kernel, initrd, o.value("--params").orElse(""),
                Path.of("/usr/lib/qemu/virtiofsd"), VirtiofsCache.AUTO, List.of(), false);
        Path log = runDir.resolve("console.log");
        long start = System.nanoTime();
        boolean reached = false;
        VmState finalState;
        Optional<String> tapName = o.value("--tap");
        try (Fd tap = tapName.isPresent() ? TunTap.open(tapName.get(), TunTap.IFF_TAP | TunTap.IFF_NO_PI
                | TunTap.IFF_VNET_HDR) : null;
             Hypervisor vm = new BuiltinDriver().create(spec)) {
            // The device set of a sandbox's VM, but for the shared directory.
            vm.addDevice(new Device.Vsock(GuestContract.AGENT_VSOCK_PORT));
            if (tap != null) {
                vm.addDevice(new Device.Network(tap.get(), o.value("--mac").orElse("02:00:00:00:00:02"),
                        (int) o.number("--mtu", 1500)));
            }
            vm.start(timeout);
            long deadline = start + timeout.toNanos();
            long shown = 0;
            StringBuilder seen = new StringBuilder();
            while (true) {
                boolean stopped = vm.state() == VmState.STOPPED;
                byte[] fresh = readFrom(log, shown);
                shown += fresh.length;
                console.write(fresh, 0, fresh.length);
                seen.append(new String(fresh, StandardCharsets.UTF_8));
                if (until.isPresent() && seen.indexOf(until.get()) >= 0) {
                    reached = true;
                    break;
                }
                if (stopped) {
                    reached = until.isEmpty();
                    break;
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(10);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            vm.stop(Duration.ofSeconds(10));
            finalState = vm.state();
            console.flush();
            if (json) {
                out.printf(Locale.ROOT, "{\"seconds\":%.3f,\"reached\":%b,\"state\":\"%s\"}%n", seconds, reached,
                        finalState);
            } else {
                err.printf(Locale.ROOT, "kata-vmm: %s after %.3f s%n", reached ? (until.isPresent()
                        ? "console showed \"" + until.get() + "\"" : "the guest ended") : "timed out", seconds);
            }
        } finally {
            try (Stream<Path> files = Files.walk(runDir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return reached ? 0 : 124;
    }

    private static int exitCost(Options o, PrintStream out) throws UsageException, IOException {
        int exits = (int) o.number("--exits", 100_000);
        int runs = (int) o.number("--runs", 5);
        int base = Math.max(1, exits / 100);
        Path dir = Files.createTempDirectory("kata-vmm-exit-cost-");
        try {
            List<Double> micros = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                long small = ExitCostRun.nanos(dir, base, o.flag("--seccomp"));
                long large = ExitCostRun.nanos(dir, exits, o.flag("--seccomp"));
                micros.add((large - small) / 1000.0 / (exits - base));
            }
            double median = median(micros);
            if (o.flag("--json")) {
                out.printf(Locale.ROOT, "{\"exits\":%d,\"runs\":%d,\"seccomp\":%b,\"medianMicrosPerExit\":%.3f}%n",
                        exits, runs, o.flag("--seccomp"), median);
            } else {
                out.printf(Locale.ROOT,
                        "VMM port-I/O exit cost%s: median %.3f us/exit (%d runs of %d exits; all: %s)%n",
                        o.flag("--seccomp") ? " (seccomp)" : "", median, runs, exits,
                        micros.stream().map(m -> String.format(Locale.ROOT, "%.3f", m)).toList());
            }
            return 0;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** What the file holds from {@code offset} on, as far as it can be read now (the guest is still writing). */
    private static byte[] readFrom(Path file, long offset) throws IOException {
        if (!Files.exists(file)) {
            return new byte[0];
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            int n = in.read(buffer, offset);
            return n <= 0 ? new byte[0] : Arrays.copyOf(buffer.array(), n);
        }
    }

    /** A wrong command line; the message says what is wrong. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** {@code --name value} pairs and {@code --flag}s. */
    private record Options(List<String> args) {
        private static final List<String> FLAGS = List.of("--json", "--seccomp");

        static Options parse(List<String> args) throws UsageException {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (!a.startsWith("--")) {
                    throw new UsageException("unexpected argument " + a);
                }
                if (!FLAGS.contains(a)) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(a + " needs a value");
                    }
                    i++;
                }
            }
            return new Options(args);
        }

        Optional<String> value(String name) {
            int i = args.indexOf(name);
            return i < 0 ? Optional.empty() : Optional.of(args.get(i + 1));
        }

        String required(String name) throws UsageException {
            return value(name).orElseThrow(() -> new UsageException(name + " is required"));
        }

        long number(String name, long defaultValue) throws UsageException {
            Optional<String> v = value(name);
            try {
                long n = v.isEmpty() ? defaultValue : Long.parseLong(v.get());
                if (n < 1) {
                    throw new UsageException(name + " must be positive, not " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new UsageException(name + " wants a number, not " + v.get());
            }
        }

        boolean flag(String name) {
            return args.contains(name);
        }
    }
}
