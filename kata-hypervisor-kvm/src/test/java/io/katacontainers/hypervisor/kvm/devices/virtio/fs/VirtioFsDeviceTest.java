package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.process.ChildProcess;
import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.api.virtiofs.VirtiofsdCommand;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventFds;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioInterrupt;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole device path without a guest kernel: the test drives the virtio-mmio registers as Linux's
 * virtio_mmio and virtio_fs drivers do, and the real virtiofsd serves the queues behind the device.
 */
class VirtioFsDeviceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int QUEUE_SIZE = 64;
    private static final String TAG = "kataShared";

    @TempDir
    Path dir;
    private ProcessLauncher launcher;
    private GuestMemory memory;
    private EventLoop loop;
    private VirtioFsDevice device;
    private MmioTransport transport;
    private Path shared;

    @BeforeEach
    void setUp() throws Exception {
        shared = Files.createDirectories(dir.resolve("shared"));
        launcher = new ProcessLauncher(Optional.of(Path.of("/usr/bin/setpriv")), "virtio-fs-test");
        memory = GuestMemory.create("virtio-fs-device", 16 << 20);
        loop = EventLoop.start("virtio-fs-test");
        device = VirtioFsDevice.start(TAG, QUEUE_SIZE, launcher, command(), dir.resolve("virtiofsd.log"),
                TIMEOUT);
        transport = new MmioTransport("fs@test", device, memory, loop);
    }

    @AfterEach
    void tearDown() throws Exception {
        try (ProcessLauncher p = launcher; GuestMemory m = memory; EventLoop l = loop; MmioTransport t = transport) {
            // Closed last opened first: the transport resets and closes the device, which stops the daemon.
        }
        assertFalse(Files.exists(dir.resolve("vfs.sock")), "virtiofsd's socket is gone");
        for (ChildProcess child : launcher.children()) {
            assertFalse(Files.exists(Path.of("/proc", Long.toString(child.pid()))), child + " is reaped");
        }
    }

    private VirtiofsdCommand command() {
        return VirtiofsdCommand.withDefaultSandbox(Path.of("/usr/lib/qemu/virtiofsd"), dir.resolve("vfs.sock"), shared,
                VirtiofsCache.AUTO, List.of());
    }

    @Test
    void identifiesAsVirtioFsWithTagAndOneRequestQueue() {
        GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
        assertEquals(Virtio.ID_FS, driver.reg(MmioTransport.DEVICE_ID));
        assertEquals(QUEUE_SIZE, queueNumMax(driver, 1));
        byte[] tag = new byte[FsConfigSpace.TAG_SIZE];
        for (int i = 0; i < tag.length; i++) {
            tag[i] = (byte) transport.read(MmioTransport.CONFIG + i, 1);
        }
        byte[] expected = new byte[FsConfigSpace.TAG_SIZE];
        byte[] name = TAG.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, expected, 0, name.length);
        assertArrayEquals(expected, tag, "tag, NUL-padded");
        assertEquals(1, driver.reg(MmioTransport.CONFIG + FsConfigSpace.TAG_SIZE), "num_request_queues");
        driver.reg(MmioTransport.DEVICE_FEATURES_SEL, 1);
        assertEquals(1, driver.reg(MmioTransport.DEVICE_FEATURES) & 1, "VIRTIO_F_VERSION_1 offered");
    }

    @Test
    void guestReadsAFileAndEachUsedBufferRaisesTheInterruptWithItsStatusBit() throws Exception {
        byte[] content = "hello from the host through virtio-fs\n".getBytes(StandardCharsets.UTF_8);
        Files.write(shared.resolve("hello.txt"), content);
        GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
        driver.start(Virtio.F_VERSION_1);
        assertEquals(0, transport.status() & Virtio.STATUS_DEVICE_NEEDS_RESET);
        FuseGuest guest = fuseOver(driver);
        assertEquals(7, guest.init());
        assertEquals(0040000, guest.rootMode() & 0170000, "the shared root is a directory");
        assertArrayEquals(content, guest.readFile("hello.txt", content.length));
    }

    @Test
    void resetTakesTheQueuesBackAndTheDriverCanStartAgain() throws Exception {
        Files.writeString(shared.resolve("again.txt"), "again");
        GuestDriver first = new GuestDriver(memory, transport, QUEUE_SIZE);
        first.start(Virtio.F_VERSION_1);
        assertEquals(7, fuseOver(first).init());

        first.reg(MmioTransport.STATUS, 0);
        assertEquals(0, transport.status());
        // A driver starting over allocates fresh, zeroed rings.
        memory.slice(GuestDriver.descriptorTable(0), 0x20000).fill((byte) 0);
        GuestDriver second = new GuestDriver(memory, transport, QUEUE_SIZE);
        second.start(Virtio.F_VERSION_1);
        assertEquals(0, transport.status() & Virtio.STATUS_DEVICE_NEEDS_RESET);
        FuseGuest guest = fuseOver(second);
        assertEquals(7, guest.init());
        assertArrayEquals("again".getBytes(StandardCharsets.UTF_8), guest.readFile("again.txt", 5));
    }

    /** What the built-in VMM stops the VM with when virtiofsd dies: its exit report, told once it has exited. */
    @Test
    void aKilledDaemonIsReportedWithItsExit() throws Exception {
        java.util.concurrent.CompletableFuture<String> report = new java.util.concurrent.CompletableFuture<>();
        device.whenDaemonExited(report::complete);
        assertFalse(report.isDone(), "virtiofsd runs");
        ProcessHandle.of(device.daemonPid()).orElseThrow().destroyForcibly();
        String why = report.get(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(why.startsWith("virtiofsd (pid " + device.daemonPid() + ")"), why);
        assertTrue(why.contains("exited with status 137"), "SIGKILL: " + why);
    }

    @Test
    void aDaemonThatDiesMakesTheDeviceNeedReset() throws Exception {
        GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
        driver.start(Virtio.F_VERSION_1);
        EventFds.drain(transport.interrupt().eventFd());
        ProcessHandle.of(device.daemonPid()).orElseThrow().destroyForcibly();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while ((transport.status() & Virtio.STATUS_DEVICE_NEEDS_RESET) == 0) {
            assertTrue(System.nanoTime() < deadline, "no DEVICE_NEEDS_RESET after virtiofsd died");
            Thread.sleep(10);
        }
        assertTrue((transport.interrupt().status() & VirtioInterrupt.CONFIG_CHANGE) != 0, "config-change interrupt");
        assertTrue(EventFds.drain(transport.interrupt().eventFd()) > 0, "irqfd signalled");
        // The driver resets the device; a new activation fails cleanly instead of hanging.
        driver.reg(MmioTransport.STATUS, 0);
        driver.start(Virtio.F_VERSION_1);
        assertTrue((transport.status() & Virtio.STATUS_DEVICE_NEEDS_RESET) != 0);
    }

    /**
     * virtiofsd checks the rings itself (it maps only the guest RAM memfd, so it cannot reach VMM memory) and
     * exits on a broken one; the guest then sees DEVICE_NEEDS_RESET while the VMM carries on.
     */
    @Test
    void aHostileRingEndsTheDaemonNotTheVmm() throws Exception {
        GuestDriver driver = new GuestDriver(memory, transport, QUEUE_SIZE);
        driver.start(Virtio.F_VERSION_1);
        long outside = memory.size() + 0x1000;
        driver.submit(1, Buffer.in(outside, 64), Buffer.out(outside + 64, 16));
        driver.kick(1);
        driver.publish(1, QUEUE_SIZE + 5);
        driver.kick(1);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while ((transport.status() & Virtio.STATUS_DEVICE_NEEDS_RESET) == 0) {
            assertTrue(System.nanoTime() < deadline, "no DEVICE_NEEDS_RESET after a hostile ring");
            Thread.sleep(10);
        }
        assertTrue(Files.readString(dir.resolve("virtiofsd.log")).contains("libvhost-user"),
                "virtiofsd said why it gave up");
        assertTrue(loop.call(() -> true), "the device thread still runs");
    }

    @Test
    void theShippedDefaultsRunTheCDaemon() throws Exception {
        BuiltinConfig defaults = BuiltinConfig.defaults();
        Path run = Files.createDirectories(dir.resolve("sandbox-run"));
        VirtiofsdCommand command = new VirtiofsdCommand(Path.of(defaults.virtioFsDaemon()),
                run.resolve("virtiofsd.sock"), shared, VirtiofsCache.fromConfig(defaults.virtioFsCache()),
                VirtiofsdCommand.DEFAULT_SANDBOX,
                defaults.virtioFsExtraArgs());
        try (GuestMemory ram = GuestMemory.create("virtio-fs-defaults", 16 << 20);
             MmioTransport defaultDevice = new MmioTransport("fs@defaults", VirtioFsDevice.start(TAG,
                        defaults.virtioFsQueueSize(), launcher, command, run.resolve("virtiofsd.log"), TIMEOUT), ram,
                        loop)) {
            GuestDriver driver = new GuestDriver(ram, defaultDevice, defaults.virtioFsQueueSize());
            driver.start(Virtio.F_VERSION_1);
            assertEquals(0, defaultDevice.status() & Virtio.STATUS_DEVICE_NEEDS_RESET);
            assertTrue(Files.readString(run.resolve("virtiofsd.log"))
                    .contains("Received vhost-user socket connection"));
        }
        assertFalse(Files.exists(run.resolve("virtiofsd.sock")));
    }

    @Test
    void badSettingsAreRefusedBeforeAnythingStarts() {
        assertThrows(IllegalArgumentException.class, () -> VirtioFsDevice.start(TAG, 2048, launcher,
                command(), dir.resolve("log2"), TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> VirtioFsDevice.start("x".repeat(37), QUEUE_SIZE,
                launcher, command(), dir.resolve("log2"), TIMEOUT));
        assertEquals(1, launcher.children().size(), "no daemon started for bad settings");
    }

    private static int queueNumMax(GuestDriver driver, int queue) {
        driver.reg(MmioTransport.QUEUE_SEL, queue);
        return driver.reg(MmioTransport.QUEUE_NUM_MAX);
    }

    /**
     * FUSE over queue 1 through the transport: each used buffer must come with the USED_BUFFER status bit and a
     * signal on the irqfd, which is what the relay of virtiofsd's call eventfd provides.
     */
    private FuseGuest fuseOver(GuestDriver driver) {
        return new FuseGuest(memory, (request, length, header, body) -> {
            EventFds.drain(transport.interrupt().eventFd());
            int head = driver.submit(1, Buffer.in(request, length), Buffer.out(header, FuseWire.OUT_HEADER),
                    Buffer.out(body, FuseGuest.DATA));
            driver.kick(1);
            GuestDriver.Used used = driver.awaitUsed(1);
            assertEquals(head, used.head());
            awaitInterrupt();
            assertTrue((transport.interrupt().status() & VirtioInterrupt.USED_BUFFER) != 0, "InterruptStatus bit 0");
            driver.reg(MmioTransport.INTERRUPT_ACK, VirtioInterrupt.USED_BUFFER);
            return used.length();
        }, driver.allocate(0x6000));
    }

    private void awaitInterrupt() throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (EventFds.drain(transport.interrupt().eventFd()) == 0) {
            assertTrue(System.nanoTime() < deadline, "no interrupt after the device used a buffer");
            Thread.sleep(1);
        }
    }
}
