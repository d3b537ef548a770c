package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.api.virtiofs.VirtiofsCache;
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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A FUSE session with its own virtiofsd sharing {@code dir}/shared, for the round-trip benchmarks (this package's
 * main and the JMH benchmark in the benchmarks module): either through the virtio-fs device as a guest sees it
 * (kick the queue's notify eventfd, virtiofsd serves the ring, the device relays its call eventfd to the transport's
 * interrupt, the guest reads the used ring) or, the peer, straight through a vhost-user session waiting on
 * virtiofsd's call eventfd itself, i.e. without the relay. INIT is done when it is returned.
 */
public final class FuseRoundTrip implements AutoCloseable {
    public static final Path VIRTIOFSD = Path.of("/usr/lib/qemu/virtiofsd");
    public static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int QUEUE_SIZE = 256;

    private final FuseGuest guest;
    private final Deque<AutoCloseable> resources;

    private FuseRoundTrip(FuseGuest guest, Deque<AutoCloseable> resources) {
        this.guest = guest;
        this.resources = resources;
    }

    /** Fails with what to install when virtiofsd or setpriv is missing. */
    public static void requireBinaries() {
        for (Path binary : List.of(VIRTIOFSD, SETPRIV)) {
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException(binary + " is missing: apt-get install qemu-system-common util-linux");
            }
        }
    }

    /** Through the device (mmio transport, call relay); its socket is {@code dir}/device.sock. */
    public static FuseRoundTrip throughDevice(ProcessLauncher launcher, Path dir) throws Exception {
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            GuestMemory memory = own(resources, GuestMemory.create("virtiofs-rtt-device", 16 << 20));
            EventLoop loop = own(resources, EventLoop.start("virtio-fs-bench"));
            MmioTransport transport = own(resources, new MmioTransport("fs@bench", VirtioFsDevice.start("bench",
                    QUEUE_SIZE, launcher, command(dir, "device.sock"), dir.resolve("device.log"), TIMEOUT), memory,
                    loop));
            GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
            driver.start(Virtio.F_VERSION_1);
            Fd irq = transport.interrupt().eventFd();
            FuseGuest guest = new FuseGuest(memory, (request, length, header, body) -> {
                driver.submit(1, GuestDriver.Buffer.in(request, length),
                        GuestDriver.Buffer.out(header, FuseWire.OUT_HEADER),
                        GuestDriver.Buffer.out(body, FuseGuest.DATA));
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
            guest.init();
            return new FuseRoundTrip(guest, resources);
        } catch (Exception e) {
            closeAll(resources, e);
            throw e;
        }
    }

    /** The peer: a direct vhost-user session, no device; its socket is {@code dir}/direct.sock. */
    public static FuseRoundTrip direct(ProcessLauncher launcher, Path dir) throws Exception {
        Deque<AutoCloseable> resources = new ArrayDeque<>();
        try {
            GuestMemory memory = own(resources, GuestMemory.create("virtiofs-rtt-direct", 16 << 20));
            VirtiofsDaemon daemon = own(resources, VirtiofsDaemon.start(launcher, command(dir, "direct.sock"),
                    dir.resolve("direct.log"), Instant.now().plus(TIMEOUT)));
            VhostUserFrontend frontend = own(resources, VhostUserFrontend.connect(daemon.socket(), TIMEOUT));
            Fd[] fds = new Fd[6];
            for (int i = 0; i < fds.length; i++) {
                fds[i] = own(resources, EventFds.create());
            }
            frontend.setFeatures(Virtio.F_VERSION_1);
            frontend.setMemTable(memory);
            frontend.startVring(memory, new GuestDriverQueue(memory, 0, QUEUE_SIZE, 0x10000)
                    .vring(fds[0], fds[1], fds[2]));
            GuestDriverQueue queue = new GuestDriverQueue(memory, 1, QUEUE_SIZE, 0x20000);
            Fd kick = fds[3];
            Fd call = fds[4];
            frontend.startVring(memory, queue.vring(kick, call, fds[5]));
            FuseGuest guest = new FuseGuest(memory, (request, length, header, body) -> {
                queue.submit(List.of(new GuestDriverQueue.Buffer(request, length)),
                        List.of(new GuestDriverQueue.Buffer(header, FuseWire.OUT_HEADER),
                                new GuestDriverQueue.Buffer(body, FuseGuest.DATA)));
                GuestDriverQueue.kick(kick);
                return queue.awaitUsed(call, TIMEOUT).length();
            }, 0x100000);
            guest.init();
            return new FuseRoundTrip(guest, resources);
        } catch (Exception e) {
            closeAll(resources, e);
            throw e;
        }
    }

    /** One GETATTR of the shared root, its reply checked; returns the root's mode (a directory's). */
    public int getattrRoot() throws Exception {
        return guest.rootMode();
    }

    @Override
    public void close() throws Exception {
        Exception failure = new Exception("closing the FUSE session failed");
        closeAll(resources, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    private static <T extends AutoCloseable> T own(Deque<AutoCloseable> resources, T resource) {
        resources.push(resource);
        return resource;
    }

    /** Closes the resources, last first; failures are added to {@code failure}. */
    private static void closeAll(Deque<AutoCloseable> resources, Exception failure) {
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    private static VirtiofsdCommand command(Path dir, String socket) {
        return VirtiofsdCommand.withDefaultSandbox(VIRTIOFSD, dir.resolve(socket), dir.resolve("shared"),
                VirtiofsCache.AUTO, List.of("--thread-pool-size=1"));
    }
}
