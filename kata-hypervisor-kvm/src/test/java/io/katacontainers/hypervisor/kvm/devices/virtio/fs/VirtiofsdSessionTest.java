package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.api.virtiofs.VirtiofsDaemon;
import io.katacontainers.api.virtiofs.VirtiofsdCommand;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.hypervisor.kvm.devices.virtio.fs.GuestDriverQueue.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.fs.GuestDriverQueue.Used;
import io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser.VhostUserException;
import io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser.VhostUserFrontend;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemoryException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vhost-user front end against the real C virtiofsd: the test is the guest driver, writing FUSE requests
 * into guest memory (a real memfd the daemon maps) and reading the daemon's replies from the used ring.
 */
class VirtiofsdSessionTest {
    private static final Path VIRTIOFSD = Path.of("/usr/lib/qemu/virtiofsd");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long MIB = 1 << 20;
    private static final long VIRTIO_F_VERSION_1 = 1L << 32;
    private static final int QUEUE_SIZE = 64;

    @TempDir
    Path dir;
    private ProcessLauncher launcher;

    @BeforeEach
    void setUp() {
        launcher = new ProcessLauncher(Optional.of(SETPRIV), "virtiofsd-session-test");
    }

    @AfterEach
    void tearDown() {
        launcher.close();
    }

    @Test
    void guestReadsAFileThroughVirtiofsd() throws Exception {
        byte[] content = pattern(3000);
        Files.write(shared().resolve("hello.txt"), content);
        VirtiofsDaemon daemon;
        try (Session session = openSession("virtiofs-test", 16 * MIB, VirtiofsCache.AUTO)) {
            daemon = session.daemon();
            GuestMemory memory = session.memory();
            VhostUserFrontend frontend = session.frontend();
            Queues queues = session.queues();
            assertTrue((frontend.backendFeatures() & VIRTIO_F_VERSION_1) != 0, "virtio 1 offered");
            assertTrue((frontend.protocolFeatures() & (1L << VhostUserFrontend.PROTOCOL_F_REPLY_ACK)) != 0,
                    "REPLY_ACK negotiated, so every request below was acknowledged");
            assertEquals(2, frontend.queueLimit().orElseThrow(), "virtiofsd serves hiprio + 1 request queue");

            FuseGuest guest = startGuest(frontend, memory, queues, 0x10000, 0x100000);
            assertEquals(7, guest.init(), "FUSE major version");
            assertArrayEquals(content, guest.readFile("hello.txt", content.length));

            assertEquals(4, frontend.stopVring(1), "INIT, LOOKUP, OPEN and READ were consumed");
            assertEquals(0, frontend.stopVring(0));
        }
        assertNothingLeft(daemon);
    }

    @Test
    void ringsAndBuffersAboveFourGiBAreReachedThroughTheSecondRegion() throws Exception {
        byte[] content = pattern(100);
        Files.write(shared().resolve("high.txt"), content);
        VirtiofsDaemon daemon;
        long size = GuestMemory.MMIO_HOLE_START + 16 * MIB;
        try (Session session = openSession("virtiofs-high", size, VirtiofsCache.NEVER)) {
            daemon = session.daemon();
            GuestMemory memory = session.memory();
            VhostUserFrontend frontend = session.frontend();
            Queues queues = session.queues();
            assertEquals(2, memory.regions().size());
            long high = GuestMemory.HIGH_RAM_START;
            FuseGuest guest = startGuest(frontend, memory, queues, high + 0x10000, high + 0x100000);
            assertEquals(7, guest.init());
            assertArrayEquals(content, guest.readFile("high.txt", content.length));
        }
        assertNothingLeft(daemon);
    }

    @Test
    void aRingOutsideGuestRamIsRefusedBeforeTheBackEndSeesIt() throws Exception {
        VirtiofsDaemon daemon;
        try (Session session = openSession("virtiofs-bad-ring", 16 * MIB, VirtiofsCache.AUTO)) {
            daemon = session.daemon();
            GuestMemory memory = session.memory();
            VhostUserFrontend frontend = session.frontend();
            Queues queues = session.queues();
            frontend.setFeatures(VIRTIO_F_VERSION_1);
            frontend.setMemTable(memory);
            GuestDriverQueue outside = new GuestDriverQueue(memory, 1, QUEUE_SIZE, 16 * MIB - 512);
            assertThrows(GuestMemoryException.class,
                    () -> frontend.startVring(memory, outside.vring(queues.kick[1], queues.call[1], queues.err[1])));
            // Nothing was sent, so the session still works.
            frontend.startVring(memory, new GuestDriverQueue(memory, 1, QUEUE_SIZE, 0x20000)
                    .vring(queues.kick[1], queues.call[1], queues.err[1]));
            assertEquals(null, frontend.failure());
        }
        assertNothingLeft(daemon);
    }

    @Test
    void aBackEndThatDiesMidSessionFailsTheNextRequestClearly() throws Exception {
        VirtiofsDaemon daemon;
        try (Session session = openSession("virtiofs-dies", 16 * MIB, VirtiofsCache.AUTO)) {
            daemon = session.daemon();
            GuestMemory memory = session.memory();
            VhostUserFrontend frontend = session.frontend();
            frontend.setFeatures(VIRTIO_F_VERSION_1);
            ProcessHandle.of(daemon.process().pid()).orElseThrow().destroyForcibly();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (daemon.process().isAlive()) {
                assertTrue(System.nanoTime() < deadline, "virtiofsd survived SIGKILL");
                Thread.sleep(5);
            }
            VhostUserException failure = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> assertThrows(VhostUserException.class, () -> frontend.setMemTable(memory)));
            assertTrue(failure.getMessage().contains(daemon.socket().toString()), failure.getMessage());
            assertTrue(failure.getMessage().contains("SET_MEM_TABLE"), failure.getMessage());
            VhostUserException later = assertThrows(VhostUserException.class, () -> frontend.stopVring(0));
            assertTrue(later.getMessage().contains("failed earlier"), later.getMessage());
        }
        assertNothingLeft(daemon);
    }

    private Path shared() throws Exception {
        return Files.createDirectories(dir.resolve("shared"));
    }

    private VirtiofsDaemon startDaemon(VirtiofsCache cache) throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        return VirtiofsDaemon.start(launcher, new VirtiofsdCommand(VIRTIOFSD, run.resolve("vfs.sock"), shared(),
                cache, VirtiofsdCommand.DEFAULT_SANDBOX, List.of("--thread-pool-size=1")),
                run.resolve("virtiofsd.log"), Instant.now().plus(TIMEOUT));
    }

    private Session openSession(String name, long memorySize, VirtiofsCache cache) throws Exception {
        GuestMemory memory = GuestMemory.create(name, memorySize);
        try {
            VirtiofsDaemon daemon = startDaemon(cache);
            try {
                VhostUserFrontend frontend = VhostUserFrontend.connect(daemon.socket(), TIMEOUT);
                try {
                    return new Session(memory, daemon, frontend, Queues.create());
                } catch (Exception e) {
                    frontend.close();
                    throw e;
                }
            } catch (Exception e) {
                daemon.close();
                throw e;
            }
        } catch (Exception e) {
            memory.close();
            throw e;
        }
    }

    /** Guest RAM, a running daemon, a connected front end and the queues' eventfds, closed in reverse. */
    private record Session(GuestMemory memory, VirtiofsDaemon daemon, VhostUserFrontend frontend, Queues queues)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try (memory; daemon; frontend; queues) {
                // Each resource closes on the way out, the last opened first.
            }
        }
    }

    private static void assertNothingLeft(VirtiofsDaemon daemon) {
        assertFalse(daemon.process().isAlive());
        assertFalse(Files.exists(daemon.socket()), "socket removed");
        assertFalse(Files.exists(Path.of("/proc", Long.toString(daemon.process().pid()))),
                "process reaped, no zombie");
    }

    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
        return bytes;
    }

    /** Kick, call and error eventfds for the hiprio queue (0) and the request queue (1). */
    private record Queues(Fd[] kick, Fd[] call, Fd[] err) implements AutoCloseable {
        static Queues create() throws Exception {
            Fd[][] fds = new Fd[3][2];
            for (Fd[] kind : fds) {
                for (int i = 0; i < kind.length; i++) {
                    kind[i] = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
                }
            }
            return new Queues(fds[0], fds[1], fds[2]);
        }

        @Override
        public void close() throws Exception {
            for (Fd[] kind : List.of(kick, call, err)) {
                for (Fd fd : kind) {
                    fd.close();
                }
            }
        }
    }

    /** Starts both queues of a session with rings at {@code rings}; FUSE goes over queue 1. */
    private static FuseGuest startGuest(VhostUserFrontend frontend, GuestMemory memory, Queues queues, long rings,
                                        long buffers) throws Exception {
        frontend.setFeatures(VIRTIO_F_VERSION_1);
        frontend.setMemTable(memory);
        GuestDriverQueue hiprio = new GuestDriverQueue(memory, 0, QUEUE_SIZE, rings);
        GuestDriverQueue requests = new GuestDriverQueue(memory, 1, QUEUE_SIZE, rings + 0x10000);
        frontend.startVring(memory, hiprio.vring(queues.kick[0], queues.call[0], queues.err[0]));
        frontend.startVring(memory, requests.vring(queues.kick[1], queues.call[1], queues.err[1]));
        return new FuseGuest(memory, (request, length, header, body) -> {
            int head = requests.submit(List.of(new Buffer(request, length)),
                    List.of(new Buffer(header, FuseWire.OUT_HEADER), new Buffer(body, FuseGuest.DATA)));
            GuestDriverQueue.kick(queues.kick[1]);
            Used used = requests.awaitUsed(queues.call[1], TIMEOUT);
            assertEquals(head, used.head());
            return used.length();
        }, buffers);
    }
}
