package io.katacontainers.hypervisor.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.UnsupportedDeviceException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.TunTap;
import io.katacontainers.hypervisor.kvm.devices.virtio.net.TestNetns;
import io.katacontainers.hypervisor.kvm.tool.TinyPvhImage;

import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code builtin} driver through the SPI, with tiny guests on the host's /dev/kvm. */
class BuiltinHypervisorTest {
    @TempDir
    Path dir;

    @Test
    void moduleProvidesTheDriverForServiceLoader() {
        ModuleDescriptor descriptor = BuiltinDriver.class.getModule().getDescriptor();
        assertTrue(descriptor.provides().stream().anyMatch(p -> p.service().equals(HypervisorDriver.class.getName())
                && p.providers().equals(List.of(BuiltinDriver.class.getName()))), descriptor.provides().toString());
        assertEquals("builtin", new BuiltinDriver().name());
    }

    @Test
    void theGuestGetsTheSerialConsoleRebootsThroughTheI8042AndSkipsPciWhileConfiguredParamsWin() {
        assertEquals("console=ttyS0 quiet no_timer_check reboot=k panic=-1 pci=off",
                BuiltinHypervisor.kernelCommandLine(spec(dir.resolve("k"), dir)).line());
        VmSpec configured = new VmSpec("test", dir, Path.of("builtin"), "microvm", 1, 64, dir.resolve("k"),
                Optional.empty(), "console=hvc0 pci=on", Path.of("/usr/lib/qemu/virtiofsd"),
                VirtiofsCache.AUTO, List.of(), true);
        assertEquals("debug no_timer_check reboot=k panic=-1 console=hvc0 pci=on",
                BuiltinHypervisor.kernelCommandLine(configured).line());
    }

    @Test
    void takesAVsockAndASharedFsOnceEachAndDisksAndTapsBeforeStartAndRefusesWhatItCannotUse() throws Exception {
        Path kernel = Files.writeString(dir.resolve("k"), "not booted");
        Hypervisor vm = new BuiltinDriver().create(spec(kernel, dir));
        assertThrows(IllegalStateException.class, vm::agentEndpoint, "no vsock device: no endpoint");
        vm.addDevice(new Device.Vsock(1024));
        vm.addDevice(new Device.SharedFs("kataShared", dir));
        assertEquals(new AgentEndpoint.HybridVsock(dir.resolve("kata.hvsock"), 1024), vm.agentEndpoint());
        HypervisorException twice = assertThrows(HypervisorException.class,
                () -> vm.addDevice(new Device.Vsock(1024)));
        assertTrue(twice.getMessage().contains("vsock (port 1024)"), twice.getMessage());
        vm.addDevice(new Device.Vsock(1026)); // another guest port (the debug console's): the same hybrid vsock
        assertEquals(new AgentEndpoint.HybridVsock(dir.resolve("kata.hvsock"), 1024), vm.agentEndpoint());
        HypervisorException noDisk = assertThrows(HypervisorException.class,
                () -> vm.addDevice(new Device.Block(dir.resolve("missing.img"), true)));
        assertTrue(noDisk.getMessage().contains("does not exist"), noDisk.getMessage());
        vm.addDevice(new Device.Block(Files.writeString(dir.resolve("a.img"), "a"), true));
        vm.addDevice(new Device.Block(Files.writeString(dir.resolve("b.img"), "b"), false));
        try (Pipes.Pipe pipe = Pipes.pipe(Libc.O_CLOEXEC); TestNetns netns = TestNetns.create("drv")) {
            HypervisorException notTap = assertThrows(HypervisorException.class,
                    () -> vm.addDevice(new Device.Network(pipe.read().get(), "02:00:00:00:00:01", 1500)));
            assertTrue(notTap.getMessage().contains("is not an open tap"), notTap.getMessage());
            int flags = TunTap.IFF_TAP | TunTap.IFF_NO_PI | TunTap.IFF_VNET_HDR;
            try (Fd plain = netns.inside(() -> TunTap.open("vnt0", TunTap.IFF_TAP | TunTap.IFF_NO_PI));
                 Fd tap1 = netns.inside(() -> TunTap.open("vnt1", flags));
                 Fd tap2 = netns.inside(() -> TunTap.open("vnt2", flags))) {
                HypervisorException noHeader = assertThrows(HypervisorException.class,
                        () -> vm.addDevice(new Device.Network(plain.get(), "02:00:00:00:00:01", 1500)));
                assertTrue(noHeader.getMessage().contains("IFF_VNET_HDR"), noHeader.getMessage());
                vm.addDevice(new Device.Network(tap1.get(), "02:00:00:00:00:01", 1500));
                vm.addDevice(new Device.Network(tap2.get(), "02:00:00:00:00:02", 9000));
            }
        }
        vm.close();
        Device late = new Device.SharedFs("other", dir);
        UnsupportedDeviceException afterStart = assertThrows(UnsupportedDeviceException.class,
                () -> vm.addDevice(late));
        assertTrue(afterStart.getMessage().contains("does not hot-plug"), afterStart.getMessage());
    }

    @Test
    void missingKernelIsAClearError() {
        VmSpec spec = spec(dir.resolve("no-such-vmlinux"), dir);
        HypervisorException e = assertThrows(HypervisorException.class, () -> new BuiltinDriver().create(spec));
        assertTrue(e.getMessage().contains("no-such-vmlinux") && e.getMessage().contains("[hypervisor.builtin]"),
                e.getMessage());
    }

    @Test
    void guestRebootStopsTheVmAndReleasesIt() throws Exception {
        requireKvm();
        Path kernel = new TinyPvhImage().print("KATA-BUILTIN-OK\n").resetThroughI8042().write(dir.resolve("k"));
        try (Hypervisor vm = new BuiltinDriver().create(spec(kernel, dir))) {
            assertEquals(VmState.CREATED, vm.state());
            vm.addDevice(new Device.Vsock(1024));
            assertEquals(new AgentEndpoint.HybridVsock(dir.resolve("kata.hvsock"), 1024), vm.agentEndpoint());
            assertEquals(ProcessHandle.current().pid(), vm.vmmPid());
            vm.start(Duration.ofSeconds(30));
            for (int i = 0; i < 1000 && vm.state() != VmState.STOPPED; i++) {
                Thread.sleep(10);
            }
            assertEquals(VmState.STOPPED, vm.state());
            assertEquals("KATA-BUILTIN-OK\n", vm.consoleTail());
            assertEquals("KATA-BUILTIN-OK\n", Files.readString(dir.resolve("console.log")));
            assertThrows(HypervisorException.class, () -> vm.start(Duration.ofSeconds(1)));
        }
        assertNoVcpuThreads();
        assertFalse(Files.exists(dir.resolve("kata.hvsock")), "the hybrid-vsock socket is removed");
    }

    @Test
    void concurrentPauseResumeAndStopAreSerialized() throws Exception {
        requireKvm();
        Path kernel = new TinyPvhImage().spinCounting(TinyPvhImage.DATA_ADDRESS).write(dir.resolve("k"));
        Hypervisor vm = new BuiltinDriver().create(spec(kernel, dir));
        vm.start(Duration.ofSeconds(30));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        try {
                            vm.pause();
                        } catch (HypervisorException e) {
                            assertTrue(e.getMessage().contains("cannot pause"), e.getMessage());
                        }
                        try {
                            vm.resume();
                        } catch (HypervisorException e) {
                            assertTrue(e.getMessage().contains("cannot resume"), e.getMessage());
                        }
                    }
                    return null;
                }));
            }
            work.add(pool.submit(() -> {
                Thread.sleep(200);
                vm.stop(Duration.ofSeconds(10));
                return null;
            }));
            for (Future<?> f : work) {
                f.get();
            }
        }
        assertEquals(VmState.STOPPED, vm.state());
        vm.close();
        vm.close();
        assertNoVcpuThreads();
    }

    private static void assertNoVcpuThreads() {
        List<String> left = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("vcpu-")).toList();
        assertEquals(List.of(), left, "vCPU threads left behind");
    }

    private static void requireKvm() {
        Assumptions.assumeTrue(Files.exists(KvmSystem.DEFAULT_DEVICE), "no /dev/kvm on this host");
    }

    private static VmSpec spec(Path kernel, Path runDir) {
        return new VmSpec("test", runDir, Path.of("builtin"), "microvm", 2, 64, kernel, Optional.empty(), "",
                Path.of("/usr/lib/qemu/virtiofsd"), VirtiofsCache.AUTO, List.of(), false);
    }
}
