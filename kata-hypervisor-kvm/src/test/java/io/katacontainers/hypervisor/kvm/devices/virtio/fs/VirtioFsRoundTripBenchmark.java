package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.api.virtiofs.VirtiofsDaemon;
import io.katacontainers.api.virtiofs.VirtiofsdCommand;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventFds;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser.VhostUserFrontend;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
    private static final Path VIRTIOFSD = Path.of("/usr/lib/qemu/virtiofsd");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int QUEUE_SIZE = 256;

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
        for (Path binary : List.of(VIRTIOFSD, SETPRIV)) {
            if (!Files.isExecutable(binary)) {
                System.err.println(binary + " is missing: apt-get install qemu-system-common util-linux");
                System.exit(1);
            }
        }
        Path dir = Files.createTempDirectory("virtiofs-rtt");
        try (ProcessLauncher launcher = new ProcessLauncher(Optional.of(SETPRIV), "virtiofs-rtt")) {
            Files.createDirectories(dir.resolve("shared"));
            double device = medianMicros(deviceRuns(launcher, dir, requests, runs + 1), requests);
            double direct = medianMicros(directRuns(launcher, dir, requests, runs + 1), requests);
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
    private static List<Long> deviceRuns(ProcessLauncher launcher, Path dir, int requests, int runs)
            throws Exception {
        try (GuestMemory memory = GuestMemory.create("virtiofs-rtt-device", 16 << 20);
             EventLoop loop = EventLoop.start("virtio-fs-bench");
             MmioTransport transport = new MmioTransport("fs@bench", VirtioFsDevice.start("bench", QUEUE_SIZE,
                     launcher, command(dir, "device.sock"), dir.resolve("device.log"), TIMEOUT), memory, loop)) {
            GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
            driver.start(Virtio.F_VERSION_1);
            Fd irq = transport.interrupt().eventFd();
            FuseGuest guest = new FuseGuest(memory, (request, length, header, body) -> {
                driver.submit(1, GuestDriver.Buffer.in(request, length),
                        GuestDriver.Buffer.out(header, FuseWire.OUT_HEADER), GuestDriver.Buffer.out(body, FuseGuest.DATA));
                driver.kick(1);
                List<GuestDriver.Used> used = driver.takeUsed(1);
                while (used.isEmpty()) {
                    // The irqfd is what KVM would inject from; wait on it as the guest's interrupt.
                    Poll.poll(irq.get(), Poll.POLLIN, (int) TIMEOUT.toMillis());
                    EventFds.drain(irq);
                    used = driver.takeUsed(1);
                }
                return used.getFirst().length();
            }, driver.allocate(0x6000));
            return measure(guest, requests, runs);
        }
    }

    private static List<Long> directRuns(ProcessLauncher launcher, Path dir, int requests, int runs)
            throws Exception {
        try (GuestMemory memory = GuestMemory.create("virtiofs-rtt-direct", 16 << 20);
             VirtiofsDaemon daemon = VirtiofsDaemon.start(launcher, command(dir, "direct.sock"),
                     dir.resolve("direct.log"), Instant.now().plus(TIMEOUT));
             VhostUserFrontend frontend = VhostUserFrontend.connect(daemon.socket(), TIMEOUT);
             Fd hiprioKick = EventFds.create(); Fd hiprioCall = EventFds.create(); Fd hiprioErr = EventFds.create();
             Fd kick = EventFds.create(); Fd call = EventFds.create(); Fd err = EventFds.create()) {
            frontend.setFeatures(Virtio.F_VERSION_1);
            frontend.setMemTable(memory);
            frontend.startVring(memory, new GuestDriverQueue(memory, 0, QUEUE_SIZE, 0x10000)
                    .vring(hiprioKick, hiprioCall, hiprioErr));
            GuestDriverQueue queue = new GuestDriverQueue(memory, 1, QUEUE_SIZE, 0x20000);
            frontend.startVring(memory, queue.vring(kick, call, err));
            FuseGuest guest = new FuseGuest(memory, (request, length, header, body) -> {
                queue.submit(List.of(new GuestDriverQueue.Buffer(request, length)),
                        List.of(new GuestDriverQueue.Buffer(header, FuseWire.OUT_HEADER),
                                new GuestDriverQueue.Buffer(body, FuseGuest.DATA)));
                GuestDriverQueue.kick(kick);
                return queue.awaitUsed(call, TIMEOUT).length();
            }, 0x100000);
            return measure(guest, requests, runs);
        }
    }

    private static List<Long> measure(FuseGuest guest, int requests, int runs) throws Exception {
        guest.init();
        List<Long> nanos = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            long start = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                guest.rootMode();
            }
            nanos.add(System.nanoTime() - start);
        }
        return nanos.subList(1, nanos.size());
    }

    private static VirtiofsdCommand command(Path dir, String socket) {
        return VirtiofsdCommand.withDefaultSandbox(VIRTIOFSD, dir.resolve(socket), dir.resolve("shared"),
                VirtiofsCache.AUTO, List.of("--thread-pool-size=1"));
    }

    private static double medianMicros(List<Long> runNanos, int requests) {
        List<Long> sorted = runNanos.stream().sorted().toList();
        long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        return median / 1000.0 / requests;
    }
}
