package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import io.katacontainers.api.process.ProcessLauncher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Latency of one FUSE request (GETATTR of the shared root) through the virtio-fs device as a guest sees it: kick
 * the queue's notify eventfd, virtiofsd serves the ring, the device relays its call eventfd to the transport's
 * interrupt (status bit, then irqfd), the guest reads the used ring. The peer, measured in the same run against its
 * own virtiofsd: the same requests straight through the vhost-user session, waiting on virtiofsd's call eventfd
 * itself, i.e. without the relay. Run it with {@code benchmarks/scripts/virtiofs-rtt.sh}.
 */
public final class VirtioFsRoundTripBenchmark {
    private static final String USAGE = """
            Usage: virtiofs-rtt.sh [--requests N] [--runs N] [--json]
              --requests  FUSE GETATTR requests per run (default 2000)
              --runs      measured runs per path, after one warm-up run; medians are printed (default 5)
              --json      one JSON object instead of the table
            """;

    private VirtioFsRoundTripBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int requests = 2000;
        int runs = 5;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return;
                }
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--json" -> json = true;
                default -> {
                    System.err.print("unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        try {
            FuseRoundTrip.requireBinaries();
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        Path dir = Files.createTempDirectory("virtiofs-rtt");
        try (ProcessLauncher launcher = new ProcessLauncher(Optional.of(FuseRoundTrip.SETPRIV), "virtiofs-rtt")) {
            Files.createDirectories(dir.resolve("shared"));
            double device = medianMicros(measure(FuseRoundTrip.throughDevice(launcher, dir), requests, runs + 1),
                    requests);
            double direct = medianMicros(measure(FuseRoundTrip.direct(launcher, dir), requests, runs + 1),
                    requests);
            if (json) {
                System.out.printf(Locale.ROOT, "{\"requests\":%d,\"runs\":%d,\"device_us\":%.2f,\"direct_us\":%.2f,"
                        + "\"ratio\":%.3f}%n", requests, runs, device, direct, device / direct);
            } else {
                System.out.printf(Locale.ROOT, "FUSE GETATTR round trip, median of %d runs x %d requests%n", runs,
                        requests);
                System.out.printf(Locale.ROOT, "  device (mmio transport + call relay): %8.2f us%n", device);
                System.out.printf(Locale.ROOT, "  direct vhost-user session (peer):     %8.2f us%n", direct);
                System.out.printf(Locale.ROOT, "  ratio device/direct:                  %8.3f%n", device / direct);
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** Nanoseconds per run, the first (warm-up) run dropped. */
    private static List<Long> measure(FuseRoundTrip session, int requests, int runs) throws Exception {
        try (session) {
            List<Long> nanos = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                long start = System.nanoTime();
                for (int i = 0; i < requests; i++) {
                    session.getattrRoot();
                }
                nanos.add(System.nanoTime() - start);
            }
            return nanos.subList(1, nanos.size());
        }
    }

    private static double medianMicros(List<Long> runNanos, int requests) {
        List<Long> sorted = runNanos.stream().sorted().toList();
        long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        return median / 1000.0 / requests;
    }
}
