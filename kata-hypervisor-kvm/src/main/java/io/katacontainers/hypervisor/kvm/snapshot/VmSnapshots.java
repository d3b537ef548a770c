package io.katacontainers.hypervisor.kvm.snapshot;

import io.katacontainers.api.kernel.KernelCommandLine;
import io.katacontainers.ffm.kvm.CpuidEntry;
import io.katacontainers.ffm.kvm.KvmExitReason;
import io.katacontainers.ffm.kvm.KvmIoctls;
import io.katacontainers.ffm.kvm.KvmLayouts;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.ffm.kvm.KvmVcpu;
import io.katacontainers.ffm.kvm.KvmVm;
import io.katacontainers.ffm.kvm.MsrEntry;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.Vmm;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.QueueState;
import io.katacontainers.hypervisor.kvm.devices.virtio.TransportState;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.vsock.VsockDevice;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;
import io.katacontainers.hypervisor.kvm.vstate.Vcpu;
import io.katacontainers.hypervisor.kvm.vstate.VcpuExit;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Saves a paused VM into a snapshot directory and restores one into a new running VM. The orders follow
 * Firecracker's (src/vmm/src/vstate/vcpu/x86_64.rs), where KVM's side effects make them matter:
 * <ul>
 *   <li>save: a KVM_RUN with immediate_exit first, so an I/O exit the VMM already answered is completed inside the
 *       vCPU state; then MP state first (reading it lets KVM accept pending INIT/SIPI), then registers, XSAVE, XCRs,
 *       debug registers, LAPIC, TSC rate, CPUID, MSRs, and the vCPU events last;</li>
 *   <li>restore: the KVM VM's state (PIT, clock, PIC, IOAPIC) and the memory, then the devices, then per vCPU the TSC
 *       rate (only when this host's differs), CPUID before MSRs, MP state, registers (they clear pending
 *       exceptions, so before the events), special registers before the LAPIC (they carry the APIC base), the LAPIC
 *       before the MSRs (the TSC deadline MSR needs it), the events last; then a notification of every queue and
 *       any interrupt the saved devices had pending, and the vsock transport reset, all of which raise interrupts
 *       and so must come after the LAPICs are back.</li>
 * </ul>
 */
public final class VmSnapshots {
    private static final System.Logger LOG = System.getLogger(VmSnapshots.class.getName());
    /** The snapshot's state file (see {@link SnapshotCodec}). */
    public static final String STATE_FILE = "state";
    /** The snapshot's guest memory (see {@link MemoryImage}). */
    public static final String MEMORY_FILE = "memory";
    /** A TSC rate within this many parts per million of the saved one needs no scaling (as Firecracker allows). */
    static final long TSC_TOLERANCE_PPM = 250;
    private static final int PIC_MASTER = 0;
    private static final int PIC_SLAVE = 1;
    private static final int IOAPIC = 2;
    private static final long CLOCK_FLAGS = KvmLayouts.offset(KvmLayouts.KVM_CLOCK_DATA, "flags");

    private static final java.time.Duration LOOP_HOLD_TIMEOUT = java.time.Duration.ofSeconds(10);

    private VmSnapshots() {
    }

    /** Adds the restored VM's virtio devices, in the saved VM's order, as for a cold boot. */
    @FunctionalInterface
    public interface DeviceSetup {
        void addDevices(Vmm vmm) throws IOException, InterruptedException;
    }

    /**
     * Saves {@code vmm}, whose vCPUs are all paused, into {@code dir} ({@link #STATE_FILE} and {@link #MEMORY_FILE};
     * the directory is created, and must not hold a snapshot yet). The VM is not changed and may be resumed.
     *
     * @param kvm the KVM system handle, for the list of MSRs KVM saves
     * @throws IllegalStateException when a vCPU is not paused or the VM has no in-kernel irqchip
     * @throws IOException           when a device's state lives outside the VMM (virtio-fs in use: its FUSE session
     *                               is virtiofsd's), or writing fails
     */
    public static Snapshot save(KvmSystem kvm, Vmm vmm, Path dir, SnapshotIdentity identity) throws IOException {
        if (!vmm.config().irqchip()) {
            throw new IllegalStateException("only a VM with the in-kernel irqchip can be saved");
        }
        for (Vcpu vcpu : vmm.vcpus().vcpus()) {
            if (vcpu.state() != Vcpu.State.PAUSED) {
                throw new IllegalStateException("vCPU " + vcpu.id() + " is " + vcpu.state() + "; pause the VM before"
                        + " taking a snapshot");
            }
        }
        Files.createDirectories(dir);
        Path stateFile = dir.resolve(STATE_FILE);
        Path memoryFile = dir.resolve(MEMORY_FILE);
        if (Files.exists(stateFile) || Files.exists(memoryFile)) {
            throw new IOException(dir + " already holds a snapshot; remove it first");
        }
        long start = System.nanoTime();
        List<Integer> msrIndices = kvm.msrIndexList();
        List<VcpuState> vcpus = new ArrayList<>();
        for (Vcpu vcpu : vmm.vcpus().vcpus()) {
            vcpus.add(saveVcpu(vcpu.kvm(), msrIndices));
        }
        MachineState machine = saveMachine(vmm.vm().kvm(), vmm);
        List<Vmm.VirtioSlot> slots = vmm.virtioDevices();
        List<DeviceState> devices = new ArrayList<>();
        List<List<MemoryExtent>> extents = new ArrayList<>();
        // Devices and memory are read while every device loop is held, so no queue moves in between.
        onLoops(new ArrayList<>(new LinkedHashSet<>(slots.stream().map(Vmm.VirtioSlot::loop).toList())), () -> {
            for (Vmm.VirtioSlot slot : slots) {
                devices.add(saveDevice(slot, vmm.memory()));
            }
            extents.add(MemoryImage.dataExtents(vmm.memory()));
            MemoryImage.save(vmm.memory(), extents.getFirst(), memoryFile);
            return null;
        });
        Snapshot snapshot = new Snapshot(identity, vcpus.size(), vmm.memory().size(), machine, vcpus, devices,
                extents.getFirst());
        Path partial = dir.resolve(STATE_FILE + ".partial");
        Files.write(partial, SnapshotCodec.encode(snapshot));
        Files.move(partial, stateFile, StandardCopyOption.ATOMIC_MOVE);
        LOG.log(System.Logger.Level.INFO, "saved VM snapshot to {0}: {1} vCPUs, {2} of {3} MiB of memory, {4}"
                + " devices, in {5} ms", dir, vcpus.size(), snapshot.memoryDataBytes() >> 20,
                snapshot.memoryBytes() >> 20, devices.size(), (System.nanoTime() - start) / 1_000_000);
        return snapshot;
    }

    /** Reads and checks the state file of the snapshot in {@code dir} without restoring it. */
    public static Snapshot read(Path dir, SnapshotIdentity expected) throws IOException {
        try {
            return SnapshotCodec.decode(Files.readAllBytes(dir.resolve(STATE_FILE)), expected);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(dir.resolve(STATE_FILE).toString(), null, "no snapshot in " + dir);
        }
    }

    /**
     * A new VM, running, from the snapshot in {@code dir}: new guest memory (a fresh memfd holding a copy of the
     * saved memory), a new KVM VM and vCPUs in the saved state, and the devices {@code devices} adds (they must be
     * the saved VM's, in its order: names, types and slots are checked), each in its saved transport and queue state.
     * The vsock device, if any, tells the guest that its connections were reset: host clients connect afresh.
     *
     * @param console the serial console's output
     * @param onExit  told when the guest ends by itself, as for {@link Vmm#create}
     * @throws SnapshotException when the snapshot is of another build, kernel or CPU, or damaged
     */
    public static Vmm restore(KvmSystem kvm, Path dir, SnapshotIdentity expected, OutputStream console,
                              Consumer<VcpuExit> onExit, DeviceSetup devices) throws IOException {
        return restoreTimed(kvm, dir, expected, console, onExit, devices).vmm();
    }

    /** Where the time of a restore went, in nanoseconds, phase by phase. */
    public record RestorePhases(long readState, long createVm, long memory, long devices, long vcpus,
                                long memoryDataBytes) {
        public long total() {
            return readState + createVm + memory + devices + vcpus;
        }
    }

    /** A restored VM and where the time of its restore went. */
    public record Restored(Vmm vmm, RestorePhases phases) {
    }

    /** {@link #restore}, with the time of each phase. */
    public static Restored restoreTimed(KvmSystem kvm, Path dir, SnapshotIdentity expected, OutputStream console,
                                       Consumer<VcpuExit> onExit, DeviceSetup devices) throws IOException {
        long t0 = System.nanoTime();
        Snapshot snapshot = read(dir, expected);
        long t1 = System.nanoTime();
        Vmm.Config config = new Vmm.Config(snapshot.vcpuCount(), snapshot.memoryBytes(), dir.resolve(MEMORY_FILE),
                Optional.empty(), KernelCommandLine.forDriver("ttyS0", "k", false, ""), true);
        Vmm vmm = Vmm.create(kvm, config, console, onExit);
        try {
            long t2 = System.nanoTime();
            MemoryImage.restore(dir.resolve(MEMORY_FILE), snapshot.memory(), vmm.memory());
            long t3 = System.nanoTime();
            restoreMachine(vmm.vm().kvm(), snapshot.machine());
            vmm.serial().restore(snapshot.machine().serial());
            devices.addDevices(vmm);
            restoreDevices(vmm, snapshot.devices());
            long t4 = System.nanoTime();
            for (Vcpu vcpu : vmm.vcpus().vcpus()) {
                restoreVcpu(vcpu.kvm(), snapshot.vcpus().get(vcpu.id()));
            }
            for (Vmm.VirtioSlot slot : vmm.virtioDevices()) {
                slot.transport().resumeAfterRestore();
            }
            resetVsockTransports(vmm);
            vmm.vcpus().start();
            long t5 = System.nanoTime();
            LOG.log(System.Logger.Level.INFO, "restored VM from {0}: state {1} ms, VM {2} ms, memory ({3} MiB) {4} ms,"
                    + " devices {5} ms, vCPUs {6} ms", dir, ms(t1 - t0), ms(t2 - t1), snapshot.memoryDataBytes() >> 20,
                    ms(t3 - t2), ms(t4 - t3), ms(t5 - t4));
            return new Restored(vmm, new RestorePhases(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4,
                    snapshot.memoryDataBytes()));
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(vmm, e);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeAfterFailure(vmm, e);
            throw new IOException("interrupted while restoring the VM from " + dir, e);
        }
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static VcpuState saveVcpu(KvmVcpu vcpu, List<Integer> msrIndices) throws IOException {
        // Completes an I/O or MMIO exit the VMM answered before the pause (an IN's value is in kvm_run until then).
        vcpu.kvmRun().setImmediateExit(true);
        KvmExitReason completed = vcpu.run();
        if (completed != KvmExitReason.INTR) {
            throw new IOException("vCPU " + vcpu.id() + " did not stay paused while its last exit was completed ("
                    + completed + ")");
        }
        int mpState = vcpu.getMpState();
        byte[] regs = vcpu.getState(KvmIoctls.KVM_GET_REGS, KvmLayouts.KVM_REGS);
        byte[] sregs = vcpu.getState(KvmIoctls.KVM_GET_SREGS, KvmLayouts.KVM_SREGS);
        byte[] xsave = vcpu.getState(KvmIoctls.KVM_GET_XSAVE, KvmLayouts.KVM_XSAVE);
        byte[] xcrs = vcpu.getState(KvmIoctls.KVM_GET_XCRS, KvmLayouts.KVM_XCRS);
        byte[] debugRegs = vcpu.getState(KvmIoctls.KVM_GET_DEBUGREGS, KvmLayouts.KVM_DEBUGREGS);
        byte[] lapic = vcpu.getLapic();
        int tscKhz = vcpu.getTscKhz();
        byte[] cpuid = cpuidBytes(vcpu.getCpuid2(SnapshotCodec.MAX_CPUID_ENTRIES));
        List<MsrEntry> msrs = readMsrs(vcpu, msrIndices);
        byte[] events = vcpu.getState(KvmIoctls.KVM_GET_VCPU_EVENTS, KvmLayouts.KVM_VCPU_EVENTS);
        return new VcpuState(vcpu.id(), mpState, tscKhz, cpuid, regs, sregs, xsave, xcrs, debugRegs, lapic, msrs,
                events);
    }

    /** Every MSR of {@code indices} this vCPU can read: KVM stops a batch at the first it cannot, which is skipped. */
    static List<MsrEntry> readMsrs(KvmVcpu vcpu, List<Integer> indices) throws SyscallException {
        List<MsrEntry> read = new ArrayList<>(indices.size());
        List<Integer> rest = indices;
        while (!rest.isEmpty()) {
            List<MsrEntry> batch = vcpu.getMsrs(rest);
            read.addAll(batch);
            if (batch.size() < rest.size()) {
                LOG.log(System.Logger.Level.DEBUG, "vCPU {0}: MSR 0x{1} is not readable; not saved", vcpu.id(),
                        Integer.toHexString(rest.get(batch.size())));
            }
            rest = rest.subList(Math.min(rest.size(), batch.size() + 1), rest.size());
        }
        return read;
    }

    private static MachineState saveMachine(KvmVm vm, Vmm vmm) throws SyscallException {
        return new MachineState(vm.getState(KvmIoctls.KVM_GET_PIT2, KvmLayouts.KVM_PIT_STATE2),
                vm.getState(KvmIoctls.KVM_GET_CLOCK, KvmLayouts.KVM_CLOCK_DATA), vm.getIrqchip(PIC_MASTER),
                vm.getIrqchip(PIC_SLAVE), vm.getIrqchip(IOAPIC), vmm.serial().state());
    }

    private static DeviceState saveDevice(Vmm.VirtioSlot slot, GuestMemory memory) throws IOException {
        TransportState transport = slot.transport().saveState();
        int type = slot.transport().device().deviceType();
        if (type == Virtio.ID_FS) {
            // virtiofsd holds the FUSE session (INIT, inodes, open files); a new one can only take a device the
            // driver set up but never sent a request on, which is how the guest has it before the share is mounted.
            for (int i = 0; i < transport.queues().size(); i++) {
                QueueState q = transport.queues().get(i);
                boolean pending = q.ready() && q.availableRing() != 0
                        && memory.contains(q.availableRing() + 2, 2) && memory.readShort(q.availableRing() + 2) != 0;
                if (q.nextAvailable() != 0 || q.nextUsed() != 0 || pending) {
                    throw new IOException("virtio-fs device " + slot.name() + " was used before the snapshot (queue "
                            + i + "); its FUSE session lives in virtiofsd and cannot be saved: take the snapshot"
                            + " before the guest mounts the shared directory");
                }
            }
        }
        return new DeviceState(slot.name(), type, slot.slot().address(), slot.slot().irq(), transport);
    }

    /** Runs {@code task} while each of {@code loops} is held running nothing else (nested calls, first loop out). */
    /**
     * Runs {@code task} on the calling thread while every loop in {@code loops} is held (parked in a task of its
     * own), so no queue moves meanwhile. The caller's thread does the work: device threads run under the VMM's
     * seccomp filter, which lets them open no file for writing.
     */
    private static void onLoops(List<EventLoop> loops, Callable<Void> task) throws IOException {
        CountDownLatch release = new CountDownLatch(1);
        try {
            for (EventLoop loop : loops) {
                CompletableFuture<Void> parked = new CompletableFuture<>();
                loop.execute(() -> {
                    parked.complete(null);
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                try {
                    parked.get(LOOP_HOLD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new IOException("a device event loop did not stop for the snapshot within "
                            + LOOP_HOLD_TIMEOUT, e);
                }
            }
            task.call();
        } catch (ExecutionException e) {
            throw new IOException("saving the devices and memory failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while saving the devices and memory", e);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("saving the devices and memory failed: " + e.getMessage(), e);
        } finally {
            release.countDown();
        }
    }

    private static void restoreMachine(KvmVm vm, MachineState machine) throws SyscallException {
        vm.setState(KvmIoctls.KVM_SET_PIT2, KvmLayouts.KVM_PIT_STATE2, machine.pit());
        byte[] clock = machine.clock().clone();
        // KVM_SET_CLOCK refuses flags it did not expect (e.g. KVM_CLOCK_TSC_STABLE from the GET): only the value.
        MemorySegment.ofArray(clock).set(ValueLayout.JAVA_INT_UNALIGNED, CLOCK_FLAGS, 0);
        vm.setState(KvmIoctls.KVM_SET_CLOCK, KvmLayouts.KVM_CLOCK_DATA, clock);
        vm.setState(KvmIoctls.KVM_SET_IRQCHIP, KvmLayouts.KVM_IRQCHIP, machine.picMaster());
        vm.setState(KvmIoctls.KVM_SET_IRQCHIP, KvmLayouts.KVM_IRQCHIP, machine.picSlave());
        vm.setState(KvmIoctls.KVM_SET_IRQCHIP, KvmLayouts.KVM_IRQCHIP, machine.ioapic());
    }

    private static void restoreDevices(Vmm vmm, List<DeviceState> saved) throws IOException {
        List<Vmm.VirtioSlot> slots = vmm.virtioDevices();
        if (slots.size() != saved.size()) {
            throw new IOException("the snapshot has " + saved.size() + " virtio devices " + saved.stream()
                    .map(DeviceState::name).toList() + ", the new VM " + slots.size() + " " + slots.stream()
                    .map(Vmm.VirtioSlot::name).toList() + ": add the same devices as the saved VM had");
        }
        for (int i = 0; i < saved.size(); i++) {
            DeviceState d = saved.get(i);
            Vmm.VirtioSlot s = slots.get(i);
            int type = s.transport().device().deviceType();
            if (!d.name().equals(s.name()) || d.deviceType() != type || d.mmioAddress() != s.slot().address()
                    || d.irq() != s.slot().irq()) {
                throw new IOException(String.format("device %d of the snapshot is %s (type %d) at 0x%x IRQ %d, of the"
                        + " new VM %s (type %d) at 0x%x IRQ %d: add the same devices as the saved VM had", i,
                        d.name(), d.deviceType(), d.mmioAddress(), d.irq(), s.name(), type, s.slot().address(),
                        s.slot().irq()));
            }
            s.transport().restoreState(d.transport());
        }
    }

    private static void restoreVcpu(KvmVcpu vcpu, VcpuState state) throws IOException {
        int hostKhz = vcpu.getTscKhz();
        if (state.tscKhz() > 0 && Math.abs((long) hostKhz - state.tscKhz()) * 1_000_000L
                > TSC_TOLERANCE_PPM * state.tscKhz()) {
            try {
                vcpu.setTscKhz(state.tscKhz());
            } catch (SyscallException e) {
                throw new IOException("vCPU " + vcpu.id() + ": the snapshot's TSC ran at " + state.tscKhz()
                        + " kHz, this host's at " + hostKhz + " kHz, and KVM cannot scale it: " + e.getMessage(), e);
            }
        }
        vcpu.setCpuid2(cpuidEntries(state.cpuid()));
        vcpu.setMpState(state.mpState());
        vcpu.setState(KvmIoctls.KVM_SET_REGS, KvmLayouts.KVM_REGS, state.regs());
        vcpu.setState(KvmIoctls.KVM_SET_SREGS, KvmLayouts.KVM_SREGS, state.sregs());
        vcpu.setState(KvmIoctls.KVM_SET_XSAVE, KvmLayouts.KVM_XSAVE, state.xsave());
        vcpu.setState(KvmIoctls.KVM_SET_XCRS, KvmLayouts.KVM_XCRS, state.xcrs());
        vcpu.setState(KvmIoctls.KVM_SET_DEBUGREGS, KvmLayouts.KVM_DEBUGREGS, state.debugRegs());
        vcpu.setLapic(state.lapic());
        vcpu.setMsrs(state.msrs());
        vcpu.setState(KvmIoctls.KVM_SET_VCPU_EVENTS, KvmLayouts.KVM_VCPU_EVENTS, state.events());
    }

    private static void resetVsockTransports(Vmm vmm) throws IOException {
        for (Vmm.VirtioSlot slot : vmm.virtioDevices()) {
            if (slot.transport().device() instanceof VsockDevice vsock
                    && (slot.transport().status() & Virtio.STATUS_DRIVER_OK) != 0) {
                try {
                    slot.loop().call(() -> {
                        vsock.sendTransportReset();
                        return null;
                    });
                } catch (ExecutionException e) {
                    throw new IOException(slot.name() + ": " + e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while resetting the vsock transport", e);
                }
            }
        }
    }

    static byte[] cpuidBytes(List<CpuidEntry> entries) {
        long size = KvmLayouts.KVM_CPUID_ENTRY2.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Math.max(1, entries.size() * size), Long.BYTES);
            for (int i = 0; i < entries.size(); i++) {
                entries.get(i).write(s, i * size);
            }
            return s.asSlice(0, entries.size() * size).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    static List<CpuidEntry> cpuidEntries(byte[] bytes) {
        long size = KvmLayouts.KVM_CPUID_ENTRY2.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Math.max(1, bytes.length), Long.BYTES);
            MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
            List<CpuidEntry> entries = new ArrayList<>();
            for (long at = 0; at + size <= bytes.length; at += size) {
                entries.add(CpuidEntry.read(s, at));
            }
            return entries;
        }
    }

    private static void closeAfterFailure(Vmm vmm, Exception primary) {
        try {
            vmm.close();
        } catch (SyscallException | RuntimeException e) {
            primary.addSuppressed(e);
        }
    }
}
