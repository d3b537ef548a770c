package io.katacontainers.hypervisor.qemu;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.HostSupport;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.UnsupportedDeviceException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.hypervisor.qemu.cmdline.MachineType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuDriverTest {
    @TempDir
    Path dir;

    private VmSpec spec(String machine) throws IOException {
        return TestVms.spec("d1", dir.resolve("run"), machine,
                TinyPvhKernel.write(dir.resolve("kernel.elf"), TinyPvhKernel.Then.HALT));
    }

    @Test
    void serviceLoaderFindsTheDriverByName() {
        // Tests run inside this module, which declares no `uses` of its own.
        QemuDriverTest.class.getModule().addUses(HypervisorDriver.class);
        List<HypervisorDriver> drivers = ServiceLoader.load(HypervisorDriver.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        assertTrue(drivers.stream().anyMatch(driver -> driver.name().equals("qemu")
                && driver instanceof QemuDriver), drivers::toString);
    }

    @Test
    void hostSupportReportsVersionAccelerationAndWhy() throws IOException {
        HostSupport support = new QemuDriver().hostSupport(spec("microvm"));
        assertEquals(TestVms.QEMU.toString(), support.path());
        assertTrue(support.version().startsWith("QEMU emulator version "), support::version);
        assertTrue(support.usable());
        if (Files.exists(Path.of("/sys/module/kvm_pvm"))) {
            assertEquals("tcg", support.acceleration());
            assertTrue(support.notes().stream().anyMatch(note -> note.contains("PVM")), support.notes()::toString);
        }
        if (!Files.exists(Path.of("/dev/vhost-vsock"))) {
            assertTrue(support.notes().stream().anyMatch(note -> note.contains("virtio-serial")));
        }
    }

    @Test
    void hostSupportWithoutQemuIsUnusable() throws IOException {
        VmSpec base = spec("microvm");
        VmSpec missing = new VmSpec(base.sandboxId(), base.runDir(), dir.resolve("no-qemu"), "microvm", 1, 128,
                base.kernel(), Optional.empty(), "", TestVms.VIRTIOFSD, VirtiofsCache.AUTO, List.of(),
                false);
        HostSupport support = new QemuDriver().hostSupport(missing);
        assertFalse(support.usable());
        assertEquals("", support.version());
        assertTrue(support.notes().stream().anyMatch(note -> note.contains("qemu-system-x86")), support::toString);
    }

    @Test
    void vhostVsockHostGetsAVsockAgentWithAFreshContextId() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("dev"));
        Files.createFile(root.resolve("dev/vhost-vsock"));
        QemuDriver driver = new QemuDriver(root, Optional.empty(), RandomGenerator.of("L64X128MixRandom"));
        try (var vm = TestVms.vm(driver, spec("q35"), Optional.empty())) {
            var endpoint = assertInstanceOf(io.katacontainers.api.hypervisor.AgentEndpoint.Vsock.class,
                    vm.agentEndpoint());
            assertTrue(endpoint.contextId() >= 3 && endpoint.contextId() < 0xFFFF_FFFFL);
            assertEquals(1024, endpoint.port());
        }
    }

    @Test
    void microvmWithVirtioFsMovesToQ35WithoutKvmOnly() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        VmSpec spec = spec("microvm");
        Path tcgRoot = Files.createDirectories(dir.resolve("tcg"));
        try (QemuHypervisor vm = TestVms.vm(new QemuDriver(tcgRoot, Optional.empty(),
                RandomGenerator.getDefault()), spec, Optional.of(shared))) {
            assertEquals(MachineType.Q35, vm.commandLine().machine());
        }
        try (QemuHypervisor vm = TestVms.vm(new QemuDriver(tcgRoot, Optional.empty(),
                RandomGenerator.getDefault()), spec("microvm"), Optional.empty())) {
            assertEquals(MachineType.MICROVM, vm.commandLine().machine(), "nothing needs vhost: stays microvm");
        }
        Path kvmRoot = Files.createDirectories(dir.resolve("kvm"));
        Files.createDirectories(kvmRoot.resolve("dev"));
        Files.createFile(kvmRoot.resolve("dev/kvm"));
        Files.createDirectories(kvmRoot.resolve("proc"));
        Files.writeString(kvmRoot.resolve("proc/cpuinfo"), """
                processor\t: 0
                vendor_id\t: GenuineIntel
                model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
                flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep pge cmov pat clflush mmx fxsr sse sse2 \
                ht syscall nx lm vmx sse4_1 sse4_2 popcnt
                """);
        // kata-check's verdict (which the driver follows) needs the modules loaded as on a real Intel host.
        for (String module : List.of("kvm", "kvm_intel", "vhost", "vhost_net", "vhost_vsock")) {
            Files.createDirectories(kvmRoot.resolve("sys/module/" + module));
            Files.writeString(kvmRoot.resolve("sys/module/" + module + "/initstate"), "live\n");
        }
        Files.createDirectories(kvmRoot.resolve("sys/module/kvm_intel/parameters"));
        Files.writeString(kvmRoot.resolve("sys/module/kvm_intel/parameters/unrestricted_guest"), "Y\n");
        try (QemuHypervisor vm = TestVms.vm(new QemuDriver(kvmRoot, Optional.empty(),
                RandomGenerator.getDefault()), spec, Optional.of(shared))) {
            assertEquals(MachineType.MICROVM, vm.commandLine().machine());
        }
    }

    @Test
    void createRefusesUnknownMachinesMissingFilesAndDeepRunDirs() throws IOException {
        QemuDriver driver = new QemuDriver();
        VmSpec good = spec("microvm");

        HypervisorException machine = assertThrows(HypervisorException.class, () -> driver.create(spec("pc")));
        assertTrue(machine.getMessage().contains("[microvm, q35]"), machine::getMessage);

        VmSpec broken = new VmSpec("d1", good.runDir(), good.vmmPath(), "microvm", 0, 16, dir.resolve("nokernel"),
                Optional.of(dir.resolve("noinitrd")), "", good.virtiofsd(),
                VirtiofsCache.AUTO, List.of(), false);
        HypervisorException problems = assertThrows(HypervisorException.class, () -> driver.create(broken));
        for (String problem : List.of("guest kernel", "initrd", "vcpus", "memory")) {
            assertTrue(problems.getMessage().contains(problem), problems::getMessage);
        }

        VmSpec deep = new VmSpec("d1", dir.resolve("x".repeat(120)), good.vmmPath(), "microvm", 1, 128,
                good.kernel(), Optional.empty(), "", good.virtiofsd(), VirtiofsCache.AUTO, List.of(),
                false);
        HypervisorException tooDeep = assertThrows(HypervisorException.class, () -> driver.create(deep));
        assertTrue(tooDeep.getMessage().contains("107 bytes"), tooDeep::getMessage);
    }

    @Test
    void takesAVsockASharedFsAndDisksBeforeStartAndRefusesTheRestNamingTheDevice() throws Exception {
        QemuDriver driver = new QemuDriver(Files.createDirectories(dir.resolve("host")), Optional.empty(),
                RandomGenerator.getDefault());
        QemuHypervisor vm = (QemuHypervisor) driver.create(spec("q35"));
        assertThrows(IllegalStateException.class, vm::agentEndpoint, "no vsock device: no endpoint");
        assertTrue(vm.commandLine().agent().isEmpty());
        HypervisorException noShare = assertThrows(HypervisorException.class,
                () -> vm.addDevice(new Device.SharedFs("kataShared", dir.resolve("missing"))));
        assertTrue(noShare.getMessage().contains("shared directory"), noShare::getMessage);

        vm.addDevice(new Device.Vsock(1024));
        vm.addDevice(new Device.SharedFs("kataShared", Files.createDirectories(dir.resolve("shared"))));
        assertEquals(new io.katacontainers.api.hypervisor.AgentEndpoint.VirtioSerial(dir.resolve("run/agent.sock")),
                vm.agentEndpoint(), "no vhost-vsock on this host: virtio-serial");
        assertTrue(vm.commandLine().arguments().contains("vhost-user-fs-pci,chardev=virtiofs,tag=kataShared"));
        HypervisorException twice = assertThrows(HypervisorException.class,
                () -> vm.addDevice(new Device.Vsock(1024)));
        assertTrue(twice.getMessage().contains("one for that port already"), twice::getMessage);
        vm.addDevice(new Device.Block(Files.writeString(dir.resolve("a,b.img"), "a"), true));
        vm.addDevice(new Device.Block(Files.writeString(dir.resolve("c.img"), "c"), false));
        List<String> args = vm.commandLine().arguments();
        assertTrue(args.contains("file=" + dir.resolve("a,,b.img") + ",if=none,id=disk0,format=raw,readonly=on"),
                args::toString);
        assertTrue(args.contains("file=" + dir.resolve("c.img") + ",if=none,id=disk1,format=raw"), args::toString);
        assertTrue(args.contains("virtio-blk-pci,drive=disk1"), args::toString);
        vm.addDevice(new Device.Network(3, "02:00:00:00:00:01", 1500));
        vm.addDevice(new Device.Network(4, "02:00:00:00:00:02", 9000));
        args = vm.commandLine().arguments();
        assertTrue(args.contains("virtio-net-pci,netdev=nic1,mac=02:00:00:00:00:02,host_mtu=9000,event_idx=off"),
                args::toString);
        assertTrue(args.contains("hubport,id=nic0,hubid=0"), args::toString);
        assertTrue(args.contains("chardev=qmpnet,mode=control"), args::toString);
        vm.close();
        UnsupportedDeviceException late = assertThrows(UnsupportedDeviceException.class,
                () -> vm.addDevice(new Device.Vsock(1025)));
        assertTrue(late.getMessage().contains("does not hot-plug"), late::getMessage);
    }
}
