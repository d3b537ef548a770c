package io.katacontainers.hypervisor.kvm;

import io.katacontainers.api.kernel.KernelCommandLine;
import io.katacontainers.ffm.kvm.CpuidEntry;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.ffm.kvm.KvmVm;
import io.katacontainers.ffm.kvm.UserMemoryRegion;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.arch.x86_64.Boot;
import io.katacontainers.hypervisor.kvm.arch.x86_64.KernelImage;
import io.katacontainers.hypervisor.kvm.arch.x86_64.Layout;
import io.katacontainers.hypervisor.kvm.arch.x86_64.VcpuSetup;
import io.katacontainers.hypervisor.kvm.devices.Bus;
import io.katacontainers.hypervisor.kvm.devices.BusDevice;
import io.katacontainers.hypervisor.kvm.devices.Interrupt;
import io.katacontainers.hypervisor.kvm.devices.legacy.CmosRtc;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice;
import io.katacontainers.hypervisor.kvm.devices.virtio.pmem.PmemDevice;
import io.katacontainers.hypervisor.kvm.devices.legacy.I8042;
import io.katacontainers.hypervisor.kvm.devices.legacy.Serial8250;
import io.katacontainers.hypervisor.kvm.seccomp.ThreadSetup;
import io.katacontainers.hypervisor.kvm.snapshot.Snapshot;
import io.katacontainers.hypervisor.kvm.snapshot.SnapshotException;
import io.katacontainers.hypervisor.kvm.snapshot.SnapshotIdentity;
import io.katacontainers.hypervisor.kvm.snapshot.VmSnapshots;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;
import io.katacontainers.hypervisor.kvm.vstate.IrqLine;
import io.katacontainers.hypervisor.kvm.vstate.Vcpu;
import io.katacontainers.hypervisor.kvm.vstate.VcpuExit;
import io.katacontainers.hypervisor.kvm.vstate.VcpuGroup;
import io.katacontainers.hypervisor.kvm.vstate.Vm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One running guest: memory, the KVM VM, the buses with the legacy devices (COM1, i8042), virtio-mmio slots, and the
 * vCPUs. Built in two steps so devices can be added in between: {@link #create} sets up everything but the boot,
 * {@link #boot} loads the kernel (its command line then names every virtio-mmio device) and starts the vCPUs.
 * Not thread-safe except where noted: the driver serializes control operations.
 */
public final class Vmm implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Vmm.class.getName());

    /**
     * @param cmdline the kernel command line so far; the VMM adds the TSC frequency and the virtio-mmio devices
     * @param irqchip the in-kernel PIC/IOAPIC/LAPIC and PIT: on for every real guest, off only for tiny test payloads
     *                whose {@code hlt} must end the VM
     */
    public record Config(int vcpus, long memoryBytes, Path kernel, Optional<Path> initrd, KernelCommandLine cmdline,
                         boolean irqchip) {
        public Config {
            if (vcpus < 1) {
                throw new IllegalArgumentException("a VM needs at least one vCPU, got " + vcpus);
            }
        }
    }

    /** A virtio-mmio window and its interrupt line, for one device. */
    public record MmioSlot(long address, long size, int irq) {
        /** The kernel parameter that announces this device to Linux. */
        public String kernelParam() {
            return String.format("virtio_mmio.device=%dK@0x%x:%d", size / 1024, address, irq);
        }
    }

    private final Config config;
    private final GuestMemory memory;
    private final Vm vm;
    private final Bus pio;
    private final Bus mmio;
    private final List<CpuidEntry> supportedCpuid;
    private final VcpuGroup vcpus;
    private final CompletableFuture<VcpuExit> exit;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<MmioSlot> slots = new ArrayList<>();
    /** pmem ranges start on a 1 GiB boundary above RAM: far from RAM, and aligned as any guest maps them. */
    private static final long PMEM_ALIGNMENT = 1L << 30;
    private int pmemSlots;
    private long nextPmemAddress;
    private final List<VirtioSlot> virtioDevices = new ArrayList<>();
    private Serial8250 serial;

    /** A virtio device as {@link #addVirtioDevice} placed it: its name, window and IRQ, transport and event loop. */
    public record VirtioSlot(String name, MmioSlot slot, MmioTransport transport, EventLoop loop) {
    }

    private Vmm(Config config, GuestMemory memory, Vm vm, Bus pio, Bus mmio, List<CpuidEntry> supportedCpuid,
                VcpuGroup vcpus, CompletableFuture<VcpuExit> exit) {
        this.config = config;
        this.memory = memory;
        this.vm = vm;
        this.pio = pio;
        this.mmio = mmio;
        this.supportedCpuid = supportedCpuid;
        this.vcpus = vcpus;
        this.exit = exit;
    }

    /**
     * Creates guest memory, the VM, the legacy devices and the vCPUs. {@code console} receives the serial output;
     * {@code onExit} hears (once, on the thread that saw it) when the guest ends by itself.
     */
    public static Vmm create(KvmSystem kvm, Config config, OutputStream console, Consumer<VcpuExit> onExit)
            throws SyscallException {
        List<CpuidEntry> supportedCpuid = kvm.supportedCpuid();
        GuestMemory memory = GuestMemory.create("kata-guest-ram", config.memoryBytes());
        Vm vm;
        try {
            vm = Vm.create(kvm, memory, config.irqchip());
        } catch (SyscallException | RuntimeException e) {
            closeQuietly(memory, e);
            throw e;
        }
        Bus pio = new Bus("pio");
        Bus mmio = new Bus("mmio");
        CompletableFuture<VcpuExit> exit = new CompletableFuture<>();
        List<Vcpu> created = new ArrayList<>();
        try {
            for (int id = 0; id < config.vcpus(); id++) {
                created.add(new Vcpu(vm.kvm().createVcpu(id), pio, mmio, exit::complete));
            }
        } catch (SyscallException | RuntimeException e) {
            closeQuietly(new VcpuGroup(created)::close, e);
            closeQuietly(vm, e);
            closeQuietly(memory, e);
            throw e;
        }
        VcpuGroup group = new VcpuGroup(created);
        Vmm vmm = new Vmm(config, memory, vm, pio, mmio, supportedCpuid, group, exit);
        try {
            vmm.addLegacyDevices(console);
        } catch (SyscallException | RuntimeException e) {
            closeQuietly(vmm, e);
            throw e;
        }
        // The first end wins: it stops the other vCPUs, then the owner hears of it.
        exit.thenAccept(ended -> {
            group.requestStop();
            onExit.accept(ended);
        });
        return vmm;
    }

    public Config config() {
        return config;
    }

    /** The guest console's UART (COM1). */
    public Serial8250 serial() {
        return serial;
    }

    /** The virtio devices in the order they were added (their slots follow that order). */
    public List<VirtioSlot> virtioDevices() {
        return List.copyOf(virtioDevices);
    }

    /**
     * Saves this VM, whose vCPUs must be paused, into {@code dir} (created if missing; the files {@code state} and
     * {@code memory}); the VM can then be resumed or closed. See {@link VmSnapshots#save}; {@code kvm} gives the
     * list of MSRs to save.
     */
    public Snapshot snapshot(KvmSystem kvm, Path dir, SnapshotIdentity identity) throws IOException {
        return VmSnapshots.save(kvm, this, dir, identity);
    }

    /**
     * A new running VM from the snapshot in {@code dir}, see {@link VmSnapshots#restore}: {@code devices} adds the
     * same virtio devices in the same order as the saved VM had them (a fresh hybrid-vsock socket among them).
     *
     * @throws SnapshotException when the snapshot is from another build, host kernel or CPU, or is damaged
     */
    public static Vmm restore(KvmSystem kvm, Path dir, SnapshotIdentity expected, OutputStream console,
                              Consumer<VcpuExit> onExit, VmSnapshots.DeviceSetup devices) throws IOException {
        return VmSnapshots.restore(kvm, dir, expected, console, onExit, devices);
    }

    public GuestMemory memory() {
        return memory;
    }

    /** The VM, for a device's irqfd and ioeventfd registrations. */
    public Vm vm() {
        return vm;
    }

    public Bus mmioBus() {
        return mmio;
    }

    public Bus pioBus() {
        return pio;
    }

    /** The vCPUs, for pause, resume and stop. */
    public VcpuGroup vcpus() {
        return vcpus;
    }

    /** Completes when the guest ended by itself (shutdown, reset, failure). */
    public CompletableFuture<VcpuExit> exit() {
        return exit;
    }

    /** Every vCPU thread runs {@code setup} on itself before it first enters the guest; call before {@link #boot}. */
    public void confineThreads(ThreadSetup setup) {
        vcpus.vcpus().forEach(vcpu -> vcpu.confine(setup));
    }

    /** The next free virtio-mmio window and IRQ; the device is then put on {@link #mmioBus()} with it. */
    public MmioSlot allocateMmioSlot() {
        int irq = mmioIrq(slots.size());
        if (irq > Layout.IRQ_MAX) {
            throw new IllegalStateException("no IOAPIC input left for another virtio-mmio device");
        }
        MmioSlot slot = new MmioSlot(Layout.MMIO_DEVICES_START + slots.size() * Layout.MMIO_DEVICE_SIZE,
                Layout.MMIO_DEVICE_SIZE, irq);
        slots.add(slot);
        return slot;
    }

    /** The IRQ of the {@code index}th virtio-mmio slot: one each, from the first free one, around the RTC's. */
    static int mmioIrq(int index) {
        int irq = Layout.FIRST_DEVICE_IRQ + index;
        // Every slot from the RTC's on moves up by one (moving only the one that hit it gave the next its IRQ).
        return irq >= CmosRtc.IRQ ? irq + 1 : irq;
    }

    /** Puts {@code device} on the MMIO bus at {@code slot}. */
    public void registerMmio(MmioSlot slot, BusDevice device) {
        mmio.register(slot.address(), slot.size(), device);
    }

    /**
     * Puts {@code device} behind a virtio-mmio transport in the next free slot: the transport on the MMIO bus, its
     * interrupt eventfd as irqfd for the slot's IRQ, each queue's notify eventfd as ioeventfd on QueueNotify (so a
     * guest notification costs no exit to user space), all owned by this VMM. On failure the device is closed too.
     */
    public MmioTransport addVirtioDevice(String name, VirtioDevice device, EventLoop loop) throws IOException {
        MmioTransport transport;
        try {
            transport = new MmioTransport(name, device, memory, loop);
        } catch (IOException | RuntimeException e) {
            closeQuietly(device, e);
            throw e;
        }
        own(transport);
        MmioSlot slot = allocateMmioSlot();
        KvmVm kvm = vm.kvm();
        Fd irq = transport.interrupt().eventFd();
        kvm.registerIrqfd(irq, slot.irq());
        own(() -> kvm.unregisterIrqfd(irq, slot.irq()));
        long notify = slot.address() + MmioTransport.QUEUE_NOTIFY;
        List<Fd> events = transport.queueEvents();
        for (int queue = 0; queue < events.size(); queue++) {
            Fd event = events.get(queue);
            int index = queue;
            kvm.registerIoeventfd(event, notify, 4, KvmVm.KVM_IOEVENTFD_FLAG_DATAMATCH, index);
            own(() -> kvm.unregisterIoeventfd(event, notify, 4, KvmVm.KVM_IOEVENTFD_FLAG_DATAMATCH, index));
        }
        registerMmio(slot, transport);
        virtioDevices.add(new VirtioSlot(name, slot, transport, loop));
        return transport;
    }

    /**
     * Puts a virtio-pmem device for {@code image} behind a virtio-mmio transport: the file mapped shared and
     * read-only, registered as a read-only KVM memory slot at the first 1 GiB boundary above guest RAM (and above
     * any pmem range added before), where the device's configuration space tells the guest to find it. A guest
     * write there exits to the VMM (an MMIO access nothing answers) and never reaches the file.
     */
    public MmioTransport addPmemDevice(String name, Path image, EventLoop loop) throws IOException {
        long address = alignUp(Math.max(nextPmemAddress, memoryEnd()), PMEM_ALIGNMENT);
        PmemDevice device = PmemDevice.open(image, address);
        MmioTransport transport = addVirtioDevice(name, device, loop);
        int slot = memory.regions().size() + pmemSlots;
        KvmVm kvm = vm.kvm();
        kvm.setUserMemoryRegion(UserMemoryRegion.of(slot, address, device.mapping(),
                UserMemoryRegion.KVM_MEM_READONLY));
        // Closed before the transport (which unmaps the file): the slot goes first.
        own(() -> kvm.setUserMemoryRegion(new UserMemoryRegion(slot, 0, address, 0, device.mapping().address())));
        pmemSlots++;
        nextPmemAddress = address + device.size();
        return transport;
    }

    private long memoryEnd() {
        return memory.regions().stream().mapToLong(GuestMemory.Region::end).max().orElse(0);
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    /** Keeps {@code resource} (a device's fds, threads) until the VM is closed, which closes it first. */
    public void own(AutoCloseable resource) {
        resources.add(resource);
    }

    /** The full command line: the configured one with the TSC frequency, when KVM knows it, and every device. */
    public String commandLine() throws SyscallException {
        KernelCommandLine line = config.cmdline();
        int tscKhz = vcpus.vcpus().getFirst().kvm().getTscKhz();
        if (tscKhz > 0) {
            line = line.withTscKhz(tscKhz);
        }
        return line.withDeviceParams(slots.stream().map(MmioSlot::kernelParam).toList()).line();
    }

    /** Loads the kernel, sets up every vCPU and starts them. */
    public void boot() throws IOException {
        String cmdline = commandLine();
        LOG.log(System.Logger.Level.DEBUG, "kernel command line: {0}", cmdline);
        KernelImage kernel = Boot.prepare(memory, config.kernel(), config.initrd(), cmdline, config.vcpus());
        for (Vcpu vcpu : vcpus.vcpus()) {
            VcpuSetup.configure(vcpu.kvm(), supportedCpuid, config.vcpus(), config.irqchip());
        }
        VcpuSetup.enter(vcpus.vcpus().getFirst().kvm(), kernel);
        vcpus.start();
    }

    /** Stops the vCPUs (waiting up to {@code timeout}) and releases everything, devices first, memory last. */
    @Override
    public void close() throws SyscallException {
        close(Duration.ofSeconds(10));
    }

    public void close(Duration timeout) throws SyscallException {
        try {
            if (!vcpus.stop(timeout)) {
                throw new IllegalStateException("vCPUs did not stop within " + timeout + "; VM resources are kept");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping vCPUs; VM resources are kept", e);
        }
        Exception failure = null;
        for (AutoCloseable resource : resources.reversed()) {
            failure = closeCollecting(resource, failure);
        }
        resources.clear();
        failure = closeCollecting(vcpus::close, failure);
        failure = closeCollecting(vm, failure);
        failure = closeCollecting(memory, failure);
        if (failure instanceof SyscallException s) {
            throw s;
        }
        if (failure != null) {
            throw new IllegalStateException("releasing the VM failed: " + failure.getMessage(), failure);
        }
    }

    private void addLegacyDevices(OutputStream console) throws SyscallException {
        Interrupt com1Irq = () -> { };
        if (config.irqchip()) {
            IrqLine line = IrqLine.register(vm.kvm(), Serial8250.COM1_IRQ);
            resources.add(line);
            com1Irq = line;
        }
        serial = new Serial8250(console, com1Irq);
        pio.register(Serial8250.COM1_PORT, Serial8250.PORT_COUNT, serial);
        pio.register(CmosRtc.BASE_PORT, CmosRtc.PORT_COUNT, new CmosRtc(Clock.systemUTC()));
        pio.register(I8042.BASE_PORT, I8042.PORT_COUNT, new I8042(() -> exit.complete(
                new VcpuExit.GuestShutdown(-1, "reset through the i8042 controller"))));
    }

    private static Exception closeCollecting(AutoCloseable resource, Exception failure) {
        try {
            resource.close();
        } catch (Exception e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    private static void closeQuietly(AutoCloseable resource, Exception primary) {
        try {
            resource.close();
        } catch (Exception e) {
            primary.addSuppressed(e);
        }
    }
}
