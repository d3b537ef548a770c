package io.katacontainers.hypervisor.kvm.tool;

import io.katacontainers.api.kernel.KernelCommandLine;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.hypervisor.kvm.Vmm;
import io.katacontainers.hypervisor.kvm.seccomp.VmmSeccomp;
import io.katacontainers.hypervisor.kvm.vstate.VcpuExit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** One timed run of a tiny guest doing {@code exits} port writes to COM1's scratch register, then {@code hlt}. */
final class ExitCostRun {
    private static final int COM1_SCRATCH = 0x3ff;
    private static final long MEMORY = 16L << 20;

    private ExitCostRun() {
    }

    /** Nanoseconds from starting the vCPU to its halt exit; {@code seccomp}: the vCPU thread under the VMM's filter. */
    static long nanos(Path dir, int exits, boolean seccomp) throws IOException {
        Path kernel = new TinyPvhImage().outLoop(COM1_SCRATCH, exits).halt().write(dir.resolve("exits-" + exits));
        CompletableFuture<VcpuExit> ended = new CompletableFuture<>();
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE);
             Vmm vmm = Vmm.create(kvm, new Vmm.Config(1, MEMORY, kernel, Optional.empty(),
                        new KernelCommandLine(List.of(), "", List.of()), false),
                        OutputStream.nullOutputStream(), ended::complete)) {
            if (seccomp) {
                vmm.confineThreads(VmmSeccomp.installer());
            }
            long start = System.nanoTime();
            vmm.boot();
            VcpuExit exit = ended.get();
            long elapsed = System.nanoTime() - start;
            if (!(exit instanceof VcpuExit.GuestShutdown)) {
                throw new IOException("the exit-cost guest failed: " + exit.describe());
            }
            return elapsed;
        } catch (ExecutionException e) {
            throw new IOException("the exit-cost guest failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
