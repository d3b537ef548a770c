package io.katacontainers.hypervisor.qemu.cmdline;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.hypervisor.qemu.host.Acceleration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuCommandLineTest {
    private static final Path RUN = Path.of("/run/kata/sb1");
    private static final Acceleration TCG = new Acceleration(Acceleration.Kind.TCG, Optional.of("test"));
    private static final Acceleration KVM = new Acceleration(Acceleration.Kind.KVM, Optional.empty());

    /** The spec, and the shared directory the VM's {@link Device.SharedFs} exports, if any. */
    private record Vm(VmSpec spec, Optional<Device.SharedFs> shared) {
    }

    private static Vm spec(String machine, Optional<Path> shared) {
        return new Vm(new VmSpec("sb1", RUN, Path.of("/usr/bin/qemu-system-x86_64"), machine, 2, 512,
                Path.of("/k/vmlinux"), Optional.of(Path.of("/k/initrd")), "init=/init",
                Path.of("/usr/lib/qemu/virtiofsd"), VirtiofsCache.AUTO, List.of(), false),
                shared.map(dir -> new Device.SharedFs("kataShared", dir)));
    }

    private static List<String> args(Vm vm, MachineType machine, Acceleration accel, AgentChannel agent) {
        return new QemuCommandLine(vm.spec(), machine, accel, RunFiles.in(RUN), Optional.of(agent), vm.shared(),
                List.of(), OptionalLong.of(2596124)).arguments();
    }

    /**
     * A root image is a virtio-pmem device on q35: the file mapped shared and read-only, room for it above RAM, the
     * guest told to mount /dev/pmem0 read-only with dax and to run /init from it; no -initrd.
     */
    @Test
    void aRootImageIsAReadOnlySharedNvdimmMountedWithDax(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("kata,containers.img");
        try (var file = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.truncate(0);
            file.write(java.nio.ByteBuffer.wrap(new byte[1]), 96L * 1024 * 1024 - 1);
        }
        VmSpec spec = spec("q35", Optional.empty()).spec().withImage(image);
        QemuCommandLine line = new QemuCommandLine(spec, MachineType.Q35, TCG, RunFiles.in(RUN),
                Optional.of(new AgentChannel.Vsock(7)), Optional.empty(), List.of(), OptionalLong.empty());
        List<String> args = line.arguments();
        assertFalse(args.contains("-initrd"));
        assertEquals("q35,memory-backend=mem", args.get(args.indexOf("-machine") + 1));
        assertEquals("512M,slots=1,maxmem=608M", args.get(args.indexOf("-m") + 1));
        assertTrue(Collections.indexOfSubList(args, List.of("-object", "memory-backend-file,id=rootimg,mem-path="
                + image.toString().replace(",", ",,") + ",size=" + (96L << 20) + ",share=on,readonly=on",
                "-device", "virtio-pmem-pci,id=pmem0,memdev=rootimg")) >= 0, args.toString());
        assertTrue(line.kernelCommandLine().contains(
                "root=/dev/pmem0 rootfstype=ext4 rootflags=dax ro init=/init"), line.kernelCommandLine());
        assertThrows(IllegalArgumentException.class, () -> new VmSpec("sb1", RUN, spec.vmmPath(), "q35", 1, 512,
                spec.kernel(), Optional.of(Path.of("/k/initrd")), "", spec.virtiofsd(), VirtiofsCache.AUTO,
                List.of(), false, "", false, Optional.of(image)));
    }

    /**
     * A template VM's RAM is a shared file, with an empty PCIe root port (native hotplug) for each clone's
     * vhost-user-fs device; a clone's command line is the template's with its own RAM copy and {@code -incoming
     * defer}: the devices must match for the restore.
     */
    @Test
    void templateAndCloneShareTheDeviceModelAndDifferInRamAndIncoming() {
        Vm vm = spec("q35", Optional.empty());
        AgentChannel serial = new AgentChannel.Serial(RUN.resolve("agent.sock"));
        List<String> template = new QemuCommandLine(vm.spec(), MachineType.Q35, TCG, RunFiles.in(RUN),
                Optional.of(serial), Optional.empty(), List.of(), OptionalLong.empty(), List.of(),
                Optional.of(new TemplateMemory(Path.of("/run/vc/vm/template/memory"), false))).arguments();
        List<String> clone = new QemuCommandLine(vm.spec(), MachineType.Q35, TCG, RunFiles.in(RUN),
                Optional.of(serial), Optional.empty(), List.of(), OptionalLong.empty(), List.of(),
                Optional.of(new TemplateMemory(RUN.resolve("memory"), true))).arguments();
        assertTrue(String.join(" ", template).contains("-object memory-backend-file,id=mem,size=512M,"
                + "mem-path=/run/vc/vm/template/memory,share=on"), template.toString());
        assertTrue(String.join(" ", template).contains("-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off "
                + "-device pcie-root-port,id=rp-fs,bus=pcie.0,"), template.toString());
        assertFalse(template.contains("-incoming"));
        assertFalse(String.join(" ", template).contains("vhost-user-fs"));
        List<String> expected = new java.util.ArrayList<>(template.stream()
                .map(arg -> arg.replace("/run/vc/vm/template/memory", RUN.resolve("memory").toString())).toList());
        expected.addAll(expected.indexOf("-kernel"), List.of("-incoming", "defer"));
        assertEquals(expected, clone);
        assertThrows(IllegalArgumentException.class, () -> new QemuCommandLine(vm.spec(), MachineType.MICROVM, TCG,
                RunFiles.in(RUN), Optional.of(serial), Optional.empty(), List.of(), OptionalLong.empty(), List.of(),
                Optional.of(new TemplateMemory(RUN.resolve("memory"), true))), "templates need q35's hotplug");
    }

    /**
     * The shipped configuration ({@code configuration-qemu.toml}: q35, 1 vCPU, 2048 MiB, its kernel parameters)
     * with a sandbox's devices gives, argument for argument, the command line QEMU got before devices were added
     * one call at a time.
     */
    @Test
    void theShippedConfigurationsCommandLineIsUnchanged() {
        VmSpec shipped = new VmSpec("sb1", RUN, Path.of("/usr/bin/qemu-system-x86_64"), "q35", 1, 2048,
                Path.of("/usr/share/kata-containers/vmlinux.container"),
                Optional.of(Path.of("/usr/share/kata-containers/kata-containers-initrd.img")),
                "cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1", Path.of("/usr/lib/qemu/virtiofsd"),
                VirtiofsCache.AUTO, List.of(), false);
        Optional<Device.SharedFs> shared = Optional.of(new Device.SharedFs("kataShared", RUN.resolve("shared")));
        List<String> common = List.of("/usr/bin/qemu-system-x86_64", "-name", "sandbox-sb1",
                "-machine", "q35,memory-backend=mem", "-accel", "tcg", "-cpu", "max", "-smp", "1",
                "-m", "2048M", "-object", "memory-backend-memfd,id=mem,size=2048M,share=on",
                "-nographic", "-nodefaults", "-no-reboot",
                "-chardev", "file,id=console,path=/run/kata/sb1/console.log", "-serial", "chardev:console",
                "-chardev", "socket,id=qmp,path=/run/kata/sb1/qmp.sock,server=off",
                "-mon", "chardev=qmp,mode=control", "-pidfile", "/run/kata/sb1/qemu.pid",
                "-kernel", "/usr/share/kata-containers/vmlinux.container",
                "-initrd", "/usr/share/kata-containers/kata-containers-initrd.img",
                "-append", "console=ttyS0 quiet no_timer_check reboot=k panic=-1 cgroup_no_v1=all "
                        + "systemd.unified_cgroup_hierarchy=1");
        List<String> virtiofs = List.of("-chardev", "socket,id=virtiofs,path=/run/kata/sb1/virtiofsd.sock",
                "-device", "vhost-user-fs-pci,chardev=virtiofs,tag=kataShared");
        List<String> serial = List.of("-device", "virtio-serial-pci",
                "-chardev", "socket,id=agent,path=/run/kata/sb1/agent.sock,server=on,wait=off",
                "-device", "virtserialport,chardev=agent,name=agent.channel.0");
        List<String> vsock = List.of("-device", "vhost-vsock-pci,id=vsock,guest-cid=1234");

        assertEquals(concat(common, serial, virtiofs), new QemuCommandLine(shipped, MachineType.Q35, TCG,
                RunFiles.in(RUN), Optional.of(new AgentChannel.Serial(RUN.resolve("agent.sock"))), shared,
                List.of(), OptionalLong.of(2596124)).arguments());
        assertEquals(concat(common, vsock, virtiofs), new QemuCommandLine(shipped, MachineType.Q35, TCG,
                RunFiles.in(RUN), Optional.of(new AgentChannel.Vsock(1234)), shared, List.of(),
                OptionalLong.of(2596124)).arguments());
    }

    @SafeVarargs
    private static List<String> concat(List<String>... parts) {
        return Stream.of(parts).flatMap(List::stream).toList();
    }

    /** The value following {@code option}, which must occur exactly once. */
    private static String value(List<String> args, String option) {
        assertEquals(1, Collections.frequency(args, option), option + " in " + args);
        return args.get(args.indexOf(option) + 1);
    }

    @Test
    void microvmUsesMmioDevicesNoAcpiAndVirtioSerialAgent() {
        AgentChannel agent = new AgentChannel.Serial(RUN.resolve("agent.sock"));
        List<String> args = args(spec("microvm", Optional.empty()), MachineType.MICROVM, TCG, agent);

        assertEquals("/usr/bin/qemu-system-x86_64", args.getFirst());
        assertEquals("microvm,acpi=off,memory-backend=mem", value(args, "-machine"));
        assertEquals("tcg", value(args, "-accel"));
        assertEquals("max", value(args, "-cpu"));
        assertEquals("2", value(args, "-smp"));
        assertEquals("512M", value(args, "-m"));
        assertEquals("memory-backend-memfd,id=mem,size=512M,share=off", value(args, "-object"));
        assertEquals("/k/vmlinux", value(args, "-kernel"));
        assertEquals("/k/initrd", value(args, "-initrd"));
        assertEquals("console=ttyS0 quiet no_timer_check reboot=t panic=-1 tsc_early_khz=2596124 init=/init",
                value(args, "-append"));
        assertEquals("/run/kata/sb1/qemu.pid", value(args, "-pidfile"));
        assertTrue(args.containsAll(List.of("-nographic", "-nodefaults", "-no-reboot")));
        assertFalse(args.contains("-daemonize"), "QEMU must stay our child so we reap it");
        assertTrue(args.contains("virtio-serial-device"));
        assertTrue(args.contains("socket,id=agent,path=/run/kata/sb1/agent.sock,server=on,wait=off"));
        assertTrue(args.contains("virtserialport,chardev=agent,name=agent.channel.0"));
        assertTrue(args.contains("socket,id=qmp,path=/run/kata/sb1/qmp.sock,server=off"));
        assertTrue(args.contains("file,id=console,path=/run/kata/sb1/console.log"));
        assertEquals("chardev:console", value(args, "-serial"));
        assertTrue(args.stream().noneMatch(a -> a.contains("-pci")), "no PCI devices on microvm: " + args);
        assertTrue(args.stream().noneMatch(a -> a.contains("vhost-user-fs")), "no virtio-fs without a shared dir");
    }

    @Test
    void q35UsesPciDevicesAndHostCpuUnderKvm() {
        AgentChannel agent = new AgentChannel.Serial(RUN.resolve("agent.sock"));
        List<String> args = args(spec("q35", Optional.empty()), MachineType.Q35, KVM, agent);

        assertEquals("q35,memory-backend=mem", value(args, "-machine"));
        assertEquals("kvm", value(args, "-accel"));
        assertEquals("host", value(args, "-cpu"));
        assertTrue(args.contains("virtio-serial-pci"));
        assertTrue(value(args, "-append").contains("reboot=k"));
        assertFalse(value(args, "-append").contains("tsc_early_khz"));
    }

    @Test
    void microvmWithoutAKnownTscFrequencyLeavesItOut() {
        QemuCommandLine line = new QemuCommandLine(spec("microvm", Optional.empty()).spec(), MachineType.MICROVM,
                TCG, RunFiles.in(RUN), Optional.of(new AgentChannel.Serial(RUN.resolve("agent.sock"))),
                Optional.empty(), List.of(), OptionalLong.empty());
        assertEquals("console=ttyS0 quiet no_timer_check reboot=t panic=-1 init=/init", line.kernelCommandLine());
    }

    @Test
    void sharedDirAddsVhostUserFsAndSharedMemory() {
        AgentChannel agent = new AgentChannel.Serial(RUN.resolve("agent.sock"));
        for (MachineType machine : MachineType.values()) {
            List<String> args = args(spec(machine.configName(), Optional.of(Path.of("/shared"))), machine, TCG, agent);
            assertEquals("memory-backend-memfd,id=mem,size=512M,share=on", value(args, "-object"));
            assertTrue(args.contains("socket,id=virtiofs,path=/run/kata/sb1/virtiofsd.sock"), args::toString);
            assertTrue(args.contains(machine.virtioDevice("vhost-user-fs") + ",chardev=virtiofs,tag=kataShared"),
                    args::toString);
        }
    }

    @Test
    void seccompSandboxBecomesQemusSandboxOptionAndEmptyLeavesItOut() {
        AgentChannel agent = new AgentChannel.Serial(RUN.resolve("agent.sock"));
        VmSpec plain = spec("q35", Optional.empty()).spec();
        assertFalse(args(new Vm(plain, Optional.empty()), MachineType.Q35, TCG, agent).contains("-sandbox"));
        String kata = "on,obsolete=deny,spawn=deny,resourcecontrol=deny";
        VmSpec sandboxed = new VmSpec(plain.sandboxId(), plain.runDir(), plain.vmmPath(), plain.machineType(),
                plain.vcpus(), plain.memoryMiB(), plain.kernel(), plain.initrd(), plain.kernelParams(),
                plain.virtiofsd(), plain.virtiofsCache(), plain.virtiofsdExtraArgs(), plain.debug(), kata);
        assertEquals(kata, value(args(new Vm(sandboxed, Optional.empty()), MachineType.Q35, TCG, agent), "-sandbox"));
        assertEquals(kata, sandboxed.withSize(4, 1024).withKernelParams("x=1").seccompSandbox(),
                "the withers keep the sandbox");
    }

    /** reclaim_guest_freed_memory adds Kata's balloon: free page reporting on, never deflated on OOM. */
    @Test
    void reclaimGuestFreedMemoryAddsABalloonWithFreePageReporting() {
        AgentChannel agent = new AgentChannel.Serial(RUN.resolve("agent.sock"));
        VmSpec plain = spec("q35", Optional.empty()).spec();
        VmSpec reclaiming = new VmSpec(plain.sandboxId(), plain.runDir(), plain.vmmPath(), plain.machineType(),
                plain.vcpus(), plain.memoryMiB(), plain.kernel(), plain.initrd(), plain.kernelParams(),
                plain.virtiofsd(), plain.virtiofsCache(), plain.virtiofsdExtraArgs(), plain.debug(), "", true);
        assertTrue(args(new Vm(plain, Optional.empty()), MachineType.Q35, TCG, agent).stream()
                .noneMatch(a -> a.contains("balloon")), "no balloon unless configured");
        for (MachineType machine : MachineType.values()) {
            List<String> args = args(new Vm(reclaiming, Optional.empty()), machine, TCG, agent);
            String device = machine.virtioDevice("virtio-balloon")
                    + ",id=balloon0,deflate-on-oom=off,free-page-reporting=on";
            assertEquals(1, Collections.frequency(args, device), args::toString);
            assertEquals("-device", args.get(args.indexOf(device) - 1));
        }
        assertTrue(reclaiming.withSize(4, 1024).withKernelParams("x=1").reclaimGuestFreedMemory(),
                "the withers keep the balloon");
    }

    @Test
    void vsockAgentUsesVhostVsockWithTheContextId() {
        AgentChannel agent = new AgentChannel.Vsock(1234);
        List<String> micro = args(spec("microvm", Optional.empty()), MachineType.MICROVM, KVM, agent);
        List<String> q35 = args(spec("q35", Optional.empty()), MachineType.Q35, KVM, agent);

        assertTrue(micro.contains("vhost-vsock-device,id=vsock,guest-cid=1234"), micro::toString);
        assertTrue(q35.contains("vhost-vsock-pci,id=vsock,guest-cid=1234"), q35::toString);
        assertFalse(micro.contains("virtio-serial-device"));
        assertEquals(new AgentEndpoint.Vsock(1234, 1024), agent.endpoint());
    }

    @Test
    void vsockContextIdsBelowThreeAreReserved() {
        assertThrows(IllegalArgumentException.class, () -> new AgentChannel.Vsock(2));
    }

    @Test
    void machineTypesParseFromConfiguration() {
        assertEquals(Optional.of(MachineType.MICROVM), MachineType.fromConfig("microvm"));
        assertEquals(Optional.of(MachineType.Q35), MachineType.fromConfig("q35"));
        assertEquals(Optional.empty(), MachineType.fromConfig("pc"));
    }

    @Test
    void runFilesRefuseSocketPathsLongerThanSunPath() {
        assertTrue(RunFiles.in(RUN).socketsTooLong().isEmpty());
        Path deep = Path.of("/run/" + "d".repeat(100));
        assertEquals(3, RunFiles.in(deep).socketsTooLong().size());
    }
}
