package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Throughput of the vsock device's relay between a host unix-socket client and a guest driver played in this
 * process (RX buffers of the size Linux posts, credit updates as a guest sends them), both directions, against a peer
 * measured in the same run: the same bytes through one plain unix socket, the cost no relay can beat. Every transfer
 * is checked byte-exact (SHA-256). Run it with {@code benchmarks/scripts/vsock-relay.sh}.
 */
public final class VsockRelayBenchmark {
    private static final String USAGE = """
            Usage: vsock-relay.sh [--mib N] [--runs N] [--rx-buffer BYTES] [--json]
              --mib        bytes per transfer, in MiB (default 64)
              --runs       transfers per direction; medians are printed (default 5)
              --rx-buffer  size of each guest RX buffer (default 4096, what Linux's virtio-vsock driver posts)
              --json       one JSON object instead of the table
            """;

    private VsockRelayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = 64;
        int runs = 5;
        int rxBuffer = 4096;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return;
                }
                case "--mib" -> mib = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--rx-buffer" -> rxBuffer = Integer.parseInt(args[++i]);
                case "--json" -> json = true;
                default -> {
                    System.err.print("unknown option " + args[i] + "\n" + USAGE);
                    System.exit(2);
                }
            }
        }
        if (rxBuffer <= PacketHeader.SIZE) {
            System.err.println("--rx-buffer must exceed the 44-byte packet header");
            System.exit(2);
        }
        byte[] data = new byte[mib << 20];
        new Random(42).nextBytes(data);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
        Path dir = Files.createTempDirectory("vsock-relay");
        List<Double> toGuest = new ArrayList<>();
        List<Double> toHost = new ArrayList<>();
        List<Double> peer = new ArrayList<>();
        try (VsockRelay relay = VsockRelay.open(dir, rxBuffer);
             VsockRelay.UnixSocketPeer direct = VsockRelay.UnixSocketPeer.open(dir.resolve("peer"))) {
            for (int run = 0; run <= runs; run++) {
                long start = System.nanoTime();
                byte[] got = relay.hostToGuest(data);
                double down = mibPerSecond(data.length, System.nanoTime() - start);
                check(digest, got, "host to guest");

                start = System.nanoTime();
                got = relay.guestToHost(data);
                double up = mibPerSecond(data.length, System.nanoTime() - start);
                check(digest, got, "guest to host");

                start = System.nanoTime();
                got = direct.transfer(data);
                double plain = mibPerSecond(data.length, System.nanoTime() - start);
                check(digest, got, "plain unix socket");
                if (run > 0) {
                    // Run 0 warms up the JIT.
                    toGuest.add(down);
                    toHost.add(up);
                    peer.add(plain);
                }
            }
        } finally {
            Files.delete(dir);
        }
        report(json, mib, runs, rxBuffer, median(toGuest), median(toHost), median(peer));
    }

    private static void check(byte[] expected, byte[] actual, String what) {
        if (!Arrays.equals(expected, actual)) {
            throw new IllegalStateException(what + ": the bytes that arrived differ from those sent");
        }
    }

    private static double mibPerSecond(long bytes, long nanos) {
        return bytes / (1024.0 * 1024.0) / (nanos / 1e9);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void report(boolean json, int mib, int runs, int rxBuffer, double toGuest, double toHost,
                               double peer) {
        if (json) {
            System.out.printf(Locale.ROOT, "{\"mib\":%d,\"runs\":%d,\"rx_buffer\":%d,\"host_to_guest_mib_s\":%.1f,"
                            + "\"guest_to_host_mib_s\":%.1f,\"unix_socket_mib_s\":%.1f,"
                            + "\"host_to_guest_ratio\":%.3f,\"guest_to_host_ratio\":%.3f}%n",
                    mib, runs, rxBuffer, toGuest, toHost, peer, toGuest / peer, toHost / peer);
            return;
        }
        System.out.printf(Locale.ROOT, "vsock relay, %d MiB per transfer, median of %d runs, guest RX buffers of %d"
                + " bytes%n", mib, runs, rxBuffer);
        System.out.printf(Locale.ROOT, "  host -> guest (unix socket -> device -> RX ring)  %9.1f MiB/s  %.3f x peer%n",
                toGuest, toGuest / peer);
        System.out.printf(Locale.ROOT, "  guest -> host (TX ring -> device -> unix socket)  %9.1f MiB/s  %.3f x peer%n",
                toHost, toHost / peer);
        System.out.printf(Locale.ROOT, "  peer: one plain unix socket, same bytes          %9.1f MiB/s%n", peer);
    }
}
