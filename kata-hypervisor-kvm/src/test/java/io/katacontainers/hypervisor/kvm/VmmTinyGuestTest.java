package io.katacontainers.hypervisor.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.api.kernel.KernelCommandLine;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.hypervisor.kvm.tool.TinyPvhImage;
import io.katacontainers.hypervisor.kvm.devices.BusDevice;
import io.katacontainers.hypervisor.kvm.vstate.VcpuExit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots tiny PVH payloads through the whole VMM (ELF loading, PVH entry state, buses, devices, vCPU threads) on the
 * host's /dev/kvm, which runs such payloads even where it cannot boot Linux (PVM).
 */
class VmmTinyGuestTest {
    private static final long MEMORY = 64L << 20;

    @TempDir
    Path dir;

    @BeforeEach
    void requireKvm() {
        Assumptions.assumeTrue(Files.exists(KvmSystem.DEFAULT_DEVICE), "no /dev/kvm on this host");
    }

    @Test
    void serialOutputThenI8042ResetStopsTheVmCleanly() throws Exception {
        Path kernel = new TinyPvhImage().print("hello from the guest\n").resetThroughI8042().write(dir.resolve("k"));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        CompletableFuture<VcpuExit> ended = new CompletableFuture<>();
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             Vmm vmm = Vmm.create(kvm, config(kernel, 1, true), console, ended::complete)) {
            vmm.boot();
            VcpuExit exit = ended.get(30, TimeUnit.SECONDS);
            assertInstanceOf(VcpuExit.GuestShutdown.class, exit, exit.describe());
            assertTrue(exit.describe().contains("i8042"), exit.describe());
            assertTrue(vmm.vcpus().stop(Duration.ofSeconds(10)), "vCPU threads ended");
            assertTrue(vmm.vcpus().allExited());
        }
        assertEquals("hello from the guest\n", console.toString(StandardCharsets.US_ASCII));
    }

    /**
     * A failure on the vCPU thread (here a device that throws, the VMM's own bug) ends the VM with a reason instead
     * of killing the thread silently: the owner hears a Failure naming it, the other vCPUs stop, and the VM closes.
     * The vCPU threads run under the VMM's seccomp filter, as the runtime runs them.
     */
    @Test
    void aVcpuFailureStopsTheVmWithItsReason() throws Exception {
        int port = 0x510;
        Path kernel = new TinyPvhImage().outLoop(port, 1).halt().write(dir.resolve("k"));
        CompletableFuture<VcpuExit> ended = new CompletableFuture<>();
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             Vmm vmm = Vmm.create(kvm, config(kernel, 2, true), new ByteArrayOutputStream(), ended::complete)) {
            vmm.pioBus().register(port, 1, new BusDevice() {
                @Override
                public long read(long offset, int size) {
                    return 0;
                }

                @Override
                public void write(long offset, int size, long value) {
                    throw new IllegalStateException("device bug on port write");
                }
            });
            vmm.confineThreads(io.katacontainers.hypervisor.kvm.seccomp.VmmSeccomp.installer());
            vmm.boot();
            VcpuExit exit = ended.get(30, TimeUnit.SECONDS);
            VcpuExit.Failure failure = assertInstanceOf(VcpuExit.Failure.class, exit, exit.describe());
            assertEquals("vCPU 0 failed: device bug on port write", failure.describe());
            assertTrue(vmm.vcpus().stop(Duration.ofSeconds(10)), "every vCPU thread ended");
            assertTrue(vmm.vcpus().allExited());
        }
    }

    @Test
    void mmioReadsAndWritesReachTheDeviceOnTheBus() throws Exception {
        long base = 0xd000_0000L;
        Path kernel = new TinyPvhImage().store(base + 8, 0x1234_5678).printByteAt(base).resetThroughI8042()
                .write(dir.resolve("k"));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        CompletableFuture<VcpuExit> ended = new CompletableFuture<>();
        RecordingDevice device = new RecordingDevice('M');
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             Vmm vmm = Vmm.create(kvm, config(kernel, 1, true), console, ended::complete)) {
            Vmm.MmioSlot slot = vmm.allocateMmioSlot();
            assertEquals(base, slot.address());
            assertEquals("virtio_mmio.device=4K@0xd0000000:5", slot.kernelParam());
            // The TSC frequency, when KVM knows it, is the VMM's parameter; the devices come last.
            assertTrue(vmm.commandLine().matches("(tsc_early_khz=[0-9]+ )?console=ttyS0 "
                    + Pattern.quote(slot.kernelParam())), vmm.commandLine());
            vmm.registerMmio(slot, device);
            vmm.boot();
            ended.get(30, TimeUnit.SECONDS);
        }
        assertEquals("M", console.toString(StandardCharsets.US_ASCII));
        assertEquals("write 8/4=0x12345678 read 0/4", device.log.toString().strip());
    }

    @Test
    void haltWithoutIrqchipEndsTheVm() throws Exception {
        Path kernel = new TinyPvhImage().print("x").halt().write(dir.resolve("k"));
        CompletableFuture<VcpuExit> ended = new CompletableFuture<>();
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             Vmm vmm = Vmm.create(kvm, config(kernel, 1, false), new ByteArrayOutputStream(), ended::complete)) {
            vmm.boot();
            assertTrue(ended.get(30, TimeUnit.SECONDS).describe().contains("halted"));
        }
    }

    @Test
    void pausedVcpusDoNotRunAndResumeGoesOn() throws Exception {
        long counter = TinyPvhImage.DATA_ADDRESS;
        Path kernel = new TinyPvhImage().spinCounting(counter).write(dir.resolve("k"));
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             Vmm vmm = Vmm.create(kvm, config(kernel, 2, true), new ByteArrayOutputStream(), exit -> { })) {
            vmm.boot();
            awaitChange(vmm, counter);
            assertTrue(vmm.vcpus().pause(Duration.ofSeconds(10)), "vCPUs paused");
            int paused = vmm.memory().readInt(counter);
            Thread.sleep(100);
            assertEquals(paused, vmm.memory().readInt(counter), "a paused vCPU ran guest code");
            vmm.vcpus().resume();
            awaitChange(vmm, counter);
            assertTrue(vmm.vcpus().stop(Duration.ofSeconds(10)), "vCPUs stopped");
            assertTrue(vmm.vcpus().allExited());
        }
    }

    private static void awaitChange(Vmm vmm, long address) throws InterruptedException {
        int before = vmm.memory().readInt(address);
        for (int i = 0; i < 500 && vmm.memory().readInt(address) == before; i++) {
            Thread.sleep(10);
        }
        assertTrue(vmm.memory().readInt(address) != before, "the guest did not run");
    }

    static Vmm.Config config(Path kernel, int vcpus, boolean irqchip) {
        return new Vmm.Config(vcpus, MEMORY, kernel, Optional.empty(),
                new KernelCommandLine(List.of(), "console=ttyS0", List.of()), irqchip);
    }

    private static final class RecordingDevice implements BusDevice {
        final StringBuilder log = new StringBuilder();
        private final long answer;

        RecordingDevice(long answer) {
            this.answer = answer;
        }

        @Override
        public synchronized long read(long offset, int size) {
            log.append("read ").append(offset).append('/').append(size).append(' ');
            return answer;
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            log.append("write ").append(offset).append('/').append(size).append("=0x")
                    .append(Long.toHexString(value)).append(' ');
        }
    }
}
