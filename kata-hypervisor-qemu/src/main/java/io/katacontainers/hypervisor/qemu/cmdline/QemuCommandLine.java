package io.katacontainers.hypervisor.qemu.cmdline;

import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.kernel.KernelCommandLine;
import io.katacontainers.hypervisor.qemu.host.Acceleration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * QEMU's argument list for one VM.
 *
 * @param spec the VM as configured
 * @param machine the machine model, parsed from the spec
 * @param acceleration KVM or TCG
 * @param files where sockets and logs go
 * @param agent the agent's channel, from the VM's {@link Device.Vsock}
 * @param sharedFs the directory virtiofsd exports, from the VM's {@link Device.SharedFs}
 * @param disks the VM's {@link Device.Block}s, as virtio-blk drives {@code disk0}, {@code disk1}, ...
 * @param tscKhz the host TSC frequency for microvm's {@code tsc_early_khz}
 * @param networks the VM's {@link Device.Network}s: NIC {@code i} is a virtio-net device on hub {@code i}, whose
 *                 other port is the tap, attached over the {@link #tapMonitor} once QEMU runs
 * @param template the RAM file of a template VM or a clone ({@link TemplateMemory}), empty for a cold VM
 */
public record QemuCommandLine(VmSpec spec, MachineType machine, Acceleration acceleration, RunFiles files,
                              Optional<AgentChannel> agent, Optional<Device.SharedFs> sharedFs,
                              List<Device.Block> disks, OptionalLong tscKhz, List<Device.Network> networks,
                              Optional<TemplateMemory> template) {
    public QemuCommandLine {
        disks = List.copyOf(disks);
        networks = List.copyOf(networks);
        if (template.isPresent() && (sharedFs.isPresent() || machine != MachineType.Q35)) {
            throw new IllegalArgumentException("a template VM or clone runs on q35 with its shared filesystem "
                    + "hot-plugged, not on its command line");
        }
    }

    /** A VM booted cold. */
    public QemuCommandLine(VmSpec spec, MachineType machine, Acceleration acceleration, RunFiles files,
                           Optional<AgentChannel> agent, Optional<Device.SharedFs> sharedFs,
                           List<Device.Block> disks, OptionalLong tscKhz, List<Device.Network> networks) {
        this(spec, machine, acceleration, files, agent, sharedFs, disks, tscKhz, networks, Optional.empty());
    }

    /** A VM without network devices. */
    public QemuCommandLine(VmSpec spec, MachineType machine, Acceleration acceleration, RunFiles files,
                           Optional<AgentChannel> agent, Optional<Device.SharedFs> sharedFs,
                           List<Device.Block> disks, OptionalLong tscKhz) {
        this(spec, machine, acceleration, files, agent, sharedFs, disks, tscKhz, List.of(), Optional.empty());
    }

    /**
     * The QMP monitor descriptors are handed over on: taps, a template's state file (present with network devices
     * or a template only).
     */
    public Path tapMonitor() {
        return files.dir().resolve("qmp-net.sock");
    }
    /** The 8250 UART on both machines ({@code -serial}): it prints from the first instruction on. */
    private static final String CONSOLE = "ttyS0";
    private static final long MIB = 1024 * 1024;

    public List<String> arguments() {
        List<String> args = new ArrayList<>();
        args.add(spec.vmmPath().toString());
        args.addAll(List.of("-name", "sandbox-" + spec.sandboxId()));
        args.addAll(List.of("-machine", machine.machineOption() + ",memory-backend=mem"));
        args.addAll(acceleration.qemuArguments());
        args.addAll(List.of("-smp", Integer.toString(spec.vcpus())));
        args.addAll(memory());
        // No default devices, no display, no monitor on stdio: every device is listed below.
        args.addAll(List.of("-nographic", "-nodefaults"));
        // A guest reboot (our way to power off without ACPI, and panic=-1) ends QEMU instead of restarting it.
        args.add("-no-reboot");
        args.addAll(List.of("-chardev", "file,id=console,path=" + files.console(), "-serial", "chardev:console"));
        // QEMU connects to the runtime's QMP listener (bound before QEMU starts): no window to retry through.
        args.addAll(List.of("-chardev", "socket,id=qmp,path=" + files.qmpSocket() + ",server=off",
                "-mon", "chardev=qmp,mode=control"));
        args.addAll(List.of("-pidfile", files.pidFile().toString()));
        // QEMU's seccomp filter (Kata's seccompsandbox): installed on every thread before the guest runs.
        if (!spec.seccompSandbox().isEmpty()) {
            args.addAll(List.of("-sandbox", spec.seccompSandbox()));
        }
        template.ifPresent(memory -> {
            // Native PCIe hotplug on the root ports (ACPI's would need ACPI in the guest), and one empty port with
            // windows reserved by the firmware for the clone's vhost-user-fs device. No power controller: the guest
            // kernel has no pciehp to power the slot on, so a device plugged there must be powered at once.
            args.addAll(List.of("-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
                    "-device", "pcie-root-port,id=" + TemplateMemory.SHARED_FS_PORT
                            + ",bus=pcie.0,chassis=1,slot=1,power_controller_present=off,io-reserve=0,"
                            + "mem-reserve=1M,pref64-reserve=2M"));
            if (memory.incoming()) {
                args.addAll(List.of("-incoming", "defer"));
            }
        });
        args.addAll(List.of("-kernel", spec.kernel().toString()));
        spec.initrd().ifPresent(initrd -> args.addAll(List.of("-initrd", initrd.toString())));
        spec.image().ifPresent(image -> args.addAll(rootImage(image)));
        args.addAll(List.of("-append", kernelCommandLine()));
        agent.ifPresent(channel -> args.addAll(channel.qemuArguments(machine)));
        sharedFs.ifPresent(shared -> args.addAll(List.of(
                "-chardev", "socket,id=virtiofs,path=" + files.virtiofsSocket(),
                "-device", machine.virtioDevice("vhost-user-fs") + ",chardev=virtiofs,tag=" + shared.tag())));
        for (int index = 0; index < disks.size(); index++) {
            Device.Block disk = disks.get(index);
            // A comma ends a QEMU option value unless doubled.
            args.addAll(List.of("-drive", "file=" + disk.path().toString().replace(",", ",,") + ",if=none,id=disk"
                    + index + ",format=raw" + (disk.readOnly() ? ",readonly=on" : ""),
                    "-device", machine.virtioDevice("virtio-blk") + ",drive=disk" + index));
        }
        // reclaim_guest_freed_memory, as Kata: a balloon that never inflates (deflate-on-oom off, no target set) and
        // takes the guest's free page reports, so pages the guest frees (its initrd once unpacked, a process's
        // memory after it exits) go back to the host (QEMU discards them: a hole punched in the memfd).
        if (spec.reclaimGuestFreedMemory()) {
            args.addAll(List.of("-device", machine.virtioDevice("virtio-balloon")
                    + ",id=balloon0,deflate-on-oom=off,free-page-reporting=on"));
        }
        if (!networks.isEmpty() || template.isPresent()) {
            args.addAll(List.of("-chardev", "socket,id=qmpnet,path=" + tapMonitor() + ",server=on,wait=off",
                    "-mon", "chardev=qmpnet,mode=control"));
        }
        // event_idx=off: QEMU before 9.1 can stop receiving for good under load (its fix "virtio-net: Fix network
        // stall at the host side waiting for kick"): with mergeable RX buffers, when the guest adds too few buffers
        // for a large packet while QEMU checks, the event index QEMU leaves behind is one the guest has already
        // passed, so the guest never kicks again. With plain notification flags the guest kicks on every refill.
        for (int index = 0; index < networks.size(); index++) {
            Device.Network nic = networks.get(index);
            args.addAll(List.of("-netdev", "hubport,id=nic" + index + ",hubid=" + index,
                    "-device", machine.virtioDevice("virtio-net") + ",netdev=nic" + index + ",mac=" + nic.mac()
                            + ",host_mtu=" + nic.mtu() + ",event_idx=off"));
        }
        return List.copyOf(args);
    }

    public String kernelCommandLine() {
        KernelCommandLine line = KernelCommandLine.forDriver(CONSOLE, machine.rebootMethod(), spec.debug(),
                spec.kernelParams());
        if (spec.image().isPresent()) {
            line = line.withRootImage();
        }
        // On microvm, without tsc_early_khz about one boot in four hangs calibrating the TSC under TCG.
        if (machine == MachineType.MICROVM && tscKhz.isPresent()) {
            line = line.withTscKhz(tscKhz.getAsLong());
        }
        return line.line();
    }

    /**
     * The root image as a virtio-pmem device: the file mapped shared and read-only
     * ({@code memory-backend-file share=on,readonly=on}), so every VM that boots it reads the host's one page-cache
     * copy, and the guest cannot write it. The guest finds it as {@code /dev/pmem0} and can mount it with DAX
     * (an nvdimm, Kata's way, would need a PFN info block written into the image first: a raw nvdimm namespace
     * refuses DAX).
     */
    private static List<String> rootImage(Path image) {
        return List.of("-object", "memory-backend-file,id=rootimg,mem-path=" + image.toString().replace(",", ",,")
                        + ",size=" + imageBytes(image) + ",share=on,readonly=on",
                "-device", "virtio-pmem-pci,id=pmem0,memdev=rootimg");
    }

    private static long imageBytes(Path image) {
        try {
            return Files.size(image);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of the guest root image " + image, e);
        }
    }

    /**
     * Guest RAM from a memfd. A vhost-user backend (virtiofsd) maps guest RAM itself, so it must be shared
     * then; otherwise the mapping stays private (copy-on-write), as plain anonymous RAM would be.
     */
    private List<String> memory() {
        if (template.isPresent()) {
            return List.of("-m", spec.memoryMiB() + "M", "-object", "memory-backend-file,id=mem,size="
                    + spec.memoryMiB() + "M,mem-path=" + template.get().file().toString().replace(",", ",,")
                    + ",share=on");
        }
        String share = sharedFs.isPresent() ? "on" : "off";
        // The pmem device is a memory device: it takes a slot and room above RAM (maxmem), the image rounded up to MiB.
        String size = spec.image().map(image -> spec.memoryMiB() + "M,slots=1,maxmem="
                + (spec.memoryMiB() + (imageBytes(image) + MIB - 1) / MIB) + "M").orElse(spec.memoryMiB() + "M");
        return List.of("-m", size,
                "-object", "memory-backend-memfd,id=mem,size=" + spec.memoryMiB() + "M,share=" + share);
    }
}
