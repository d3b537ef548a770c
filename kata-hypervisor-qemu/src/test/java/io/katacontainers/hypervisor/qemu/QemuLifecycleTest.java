package io.katacontainers.hypervisor.qemu;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.api.process.ChildProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real QEMU under TCG (or KVM where the host has it), booting {@link TinyPvhKernel}. */
class QemuLifecycleTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration STOP = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final QemuDriver driver = new QemuDriver();

    private QemuHypervisor create(String machine, TinyPvhKernel.Then then) throws Exception {
        return create(TestVms.spec("t-" + machine, dir.resolve("run"), machine,
                TinyPvhKernel.write(dir.resolve("kernel.elf"), then)));
    }

    private QemuHypervisor create(VmSpec spec) throws HypervisorException {
        return TestVms.vm(driver, spec, Optional.empty());
    }

    private static void awaitConsole(Hypervisor vm, String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!vm.consoleTail().contains(text)) {
            assertTrue(System.nanoTime() < end, () -> "console never showed " + text + ": " + vm.consoleTail());
            Thread.sleep(20);
        }
    }

    private static void assertAllReaped(QemuHypervisor vm) {
        for (ChildProcess child : vm.children()) {
            assertFalse(child.isAlive(), child + " still runs");
            assertFalse(TestVms.running(child.pid()), child + " still runs");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"microvm", "q35"})
    void startPauseResumeStop(String machine) throws Exception {
        try (QemuHypervisor vm = create(machine, TinyPvhKernel.Then.HALT)) {
            assertEquals(VmState.CREATED, vm.state());
            assertEquals(-1, vm.vmmPid());

            vm.start(START);
            assertEquals(VmState.RUNNING, vm.state());
            long pid = vm.vmmPid();
            assertTrue(TestVms.running(pid));
            assertEquals(Long.toString(pid), Files.readString(dir.resolve("run/qemu.pid")).strip());
            AgentEndpoint.VirtioSerial agent = assertInstanceOf(AgentEndpoint.VirtioSerial.class, vm.agentEndpoint());
            assertEquals(dir.resolve("run/agent.sock"), agent.socket());
            assertTrue(Files.exists(agent.socket()));
            awaitConsole(vm, TinyPvhKernel.MARKER);

            vm.pause();
            assertEquals(VmState.PAUSED, vm.state());
            assertThrows(HypervisorException.class, vm::pause);
            vm.resume();
            assertEquals(VmState.RUNNING, vm.state());

            vm.stop(STOP);
            assertEquals(VmState.STOPPED, vm.state());
            assertFalse(TestVms.running(pid));
            vm.stop(STOP);
            Map<String, Long> sent = vm.qmpCommandCounts();
            assertEquals(1L, sent.get("stop"));
            assertEquals(1L, sent.get("cont"));
            assertEquals(1L, sent.get("quit"));
            assertAllReaped(vm);
            assertThrows(HypervisorException.class, () -> vm.start(START), "a stopped VM does not restart");
        }
    }

    @Test
    void guestRebootEndsQemu() throws Exception {
        try (QemuHypervisor vm = create("microvm", TinyPvhKernel.Then.REBOOT)) {
            vm.start(START);
            long pid = vm.vmmPid();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (vm.state() != VmState.STOPPED) {
                assertTrue(System.nanoTime() < end, "QEMU still runs after the guest rebooted");
                Thread.sleep(50);
            }
            assertFalse(TestVms.running(pid));
            assertTrue(vm.consoleTail().contains(TinyPvhKernel.MARKER));
            assertThrows(HypervisorException.class, vm::pause);
            vm.close();
            assertEquals(null, vm.qmpCommandCounts().get("quit"), "QEMU exited by itself, no quit was needed");
            assertAllReaped(vm);
        }
    }

    @Test
    void concurrentStopsAndClosesSendOneQuit() throws Exception {
        QemuHypervisor vm = create("microvm", TinyPvhKernel.Then.HALT);
        vm.start(START);
        long pid = vm.vmmPid();
        int callers = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            for (int i = 0; i < callers; i++) {
                boolean close = i % 2 == 0;
                calls.add(pool.submit(() -> {
                    go.await();
                    if (close) {
                        vm.close();
                    } else {
                        vm.stop(STOP);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> call : calls) {
                call.get(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(1L, vm.qmpCommandCounts().get("quit"));
        assertEquals(VmState.STOPPED, vm.state());
        assertFalse(TestVms.running(pid));
        assertAllReaped(vm);
        vm.close();
    }

    @Test
    void failedStartReportsQemuAndReapsVirtiofsd() throws Exception {
        Path notAKernel = Files.writeString(dir.resolve("garbage"), "not a kernel at all\n".repeat(100));
        Path shared = Files.createDirectories(dir.resolve("shared"));
        VmSpec spec = TestVms.spec("t-fail", dir.resolve("run"), "microvm", notAKernel);
        try (QemuHypervisor vm = TestVms.vm(driver, spec, Optional.of(shared))) {
            HypervisorException e = assertThrows(HypervisorException.class, () -> vm.start(START));
            assertTrue(e.getMessage().contains("exited with status 1"), e::getMessage);
            assertTrue(e.getMessage().contains("qemu said:\nqemu: invalid kernel header"), e::getMessage);
            assertEquals(VmState.STOPPED, vm.state());
            assertEquals(List.of("virtiofsd", "qemu"), vm.children().stream().map(ChildProcess::name).toList());
            assertAllReaped(vm);
        }
    }

    @Test
    void virtioFsStartsVirtiofsdWithTheConfiguredCacheAndStopReapsIt() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        VmSpec spec = TestVms.withCache(TestVms.spec("t-fs", dir.resolve("run"), "microvm",
                TinyPvhKernel.write(dir.resolve("kernel.elf"), TinyPvhKernel.Then.HALT)), VirtiofsCache.NEVER);
        try (QemuHypervisor vm = TestVms.vm(driver, spec, Optional.of(shared))) {
            vm.start(START);
            List<ChildProcess> children = vm.children();
            assertEquals(List.of("virtiofsd", "qemu"), children.stream().map(ChildProcess::name).toList());
            ChildProcess virtiofsd = children.getFirst();
            assertTrue(virtiofsd.isAlive());
            String arguments = Files.readString(Path.of("/proc", Long.toString(virtiofsd.pid()), "cmdline"));
            assertTrue(arguments.contains("\0cache=none\0"), arguments);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!virtiofsd.logTail(4096).contains("Received vhost-user socket connection")) {
                assertTrue(System.nanoTime() < end, () -> "QEMU never connected: " + virtiofsd.logTail(4096));
                Thread.sleep(20);
            }
            vm.stop(STOP);
            assertAllReaped(vm);
        }
    }

    @Test
    void virtiofsdDyingStopsTheVmAndSaysWhy() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        VmSpec spec = TestVms.spec("t-fs-lost", dir.resolve("run"), "microvm",
                TinyPvhKernel.write(dir.resolve("kernel.elf"), TinyPvhKernel.Then.HALT));
        try (QemuHypervisor vm = TestVms.vm(driver, spec, Optional.of(shared))) {
            vm.start(START);
            ProcessHandle qemu = ProcessHandle.of(vm.vmmPid()).orElseThrow();
            ChildProcess virtiofsd = vm.children().getFirst();
            assertEquals("virtiofsd", virtiofsd.name());
            ProcessHandle.of(virtiofsd.pid()).orElseThrow().destroyForcibly();
            qemu.onExit().get(20, TimeUnit.SECONDS);
            assertEquals(VmState.STOPPED, vm.state());
            String why = vm.endReason().orElseThrow();
            assertTrue(why.startsWith(virtiofsd + " exited with status"), why);
            assertTrue(why.contains("so QEMU was killed"), why);
            vm.close();
            assertAllReaped(vm);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"microvm", "q35"})
    void qemuTakesDisksAsVirtioBlkDrives(String machine) throws Exception {
        Path image = Files.write(dir.resolve("disk.img"), new byte[1 << 20]);
        try (QemuHypervisor vm = create(machine, TinyPvhKernel.Then.HALT)) {
            vm.addDevice(new Device.Block(image, true));
            vm.addDevice(new Device.Block(image, true));
            vm.start(START);
            awaitConsole(vm, TinyPvhKernel.MARKER);
            assertEquals(VmState.RUNNING, vm.state());
            vm.stop(STOP);
            assertAllReaped(vm);
        }
    }

    @Test
    void qemuOutlivesTheThreadThatStartedIt() throws Exception {
        try (QemuHypervisor vm = create("microvm", TinyPvhKernel.Then.HALT)) {
            AtomicReference<Exception> failure = new AtomicReference<>();
            Thread starter = Thread.ofPlatform().start(() -> {
                try {
                    vm.start(START);
                } catch (HypervisorException e) {
                    failure.set(e);
                }
            });
            starter.join();
            assertEquals(null, failure.get());
            Thread.sleep(1000);
            assertEquals(VmState.RUNNING, vm.state());
            assertTrue(TestVms.running(vm.vmmPid()));
        }
    }

    @Test
    void closeWithoutStartLeavesNothing() throws Exception {
        QemuHypervisor vm = create("microvm", TinyPvhKernel.Then.HALT);
        vm.close();
        vm.close();
        assertEquals(VmState.STOPPED, vm.state());
        assertTrue(vm.children().isEmpty());
        assertThrows(HypervisorException.class, () -> vm.start(START));
    }

    @Test
    void startTimeoutKillsQemu() throws IOException, HypervisorException {
        try (QemuHypervisor vm = create(TestVms.spec("t-slow", dir.resolve("run"), "microvm",
                TinyPvhKernel.write(dir.resolve("kernel.elf"), TinyPvhKernel.Then.HALT)))) {
            assertThrows(HypervisorException.class, () -> vm.start(Duration.ofMillis(1)));
            assertEquals(VmState.STOPPED, vm.state());
            assertAllReaped(vm);
        }
    }
}
