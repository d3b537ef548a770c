package io.katacontainers.hypervisor.kvm.tool;

import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.api.kernel.KernelCommandLine;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.hypervisor.kvm.Vmm;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.rng.RngDevice;
import io.katacontainers.hypervisor.kvm.devices.virtio.vsock.VsockDevice;
import io.katacontainers.hypervisor.kvm.snapshot.Snapshot;
import io.katacontainers.hypervisor.kvm.snapshot.SnapshotException;
import io.katacontainers.hypervisor.kvm.snapshot.SnapshotIdentity;
import io.katacontainers.hypervisor.kvm.snapshot.VmSnapshots;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code kata-vmm snapshot-cycle}: boots the guest to a ready agent (its {@code grpc.Health/Check} answers SERVING
 * over the hybrid vsock), runs a command in its debug console, pauses it, saves a snapshot, closes it, then restores
 * the snapshot into new VMs one after the other, each with a fresh hybrid-vsock socket, and checks that each agent
 * answers and runs a command while the clones before it still run. Prints one {@code key=value} line per figure
 * (milliseconds), for the nested KVM harness.
 */
final class SnapshotCycle {
    private static final long GUEST_CID = 3;
    private static final String MARKER = "snapshot-cycle-";

    private SnapshotCycle() {
    }

    record Options(Path kernel, Path initrd, int vcpus, long memoryMiB, int restores, Duration timeout, Path dir) {
    }

    static int run(Options o, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(o.dir(), "kata-vmm-snapshot-");
        Path snapshotDir = work.resolve("snapshot");
        SnapshotIdentity identity = SnapshotIdentity.ofHost("kata-vmm snapshot-cycle",
                o.kernel().getFileName() + ":" + Files.size(o.kernel()) + " " + o.initrd().getFileName() + ":"
                        + Files.size(o.initrd()));
        boolean ok = true;
        List<Vmm> clones = new ArrayList<>();
        try (KvmSystem kvm = KvmSystem.open(KvmSystem.DEFAULT_DEVICE)) {
            // Cold boot to a ready agent.
            long t0 = System.nanoTime();
            KernelCommandLine cmdline = KernelCommandLine.forDriver("ttyS0", "k", false,
                    GuestContract.DEBUG_CONSOLE_PARAM).withDriverParams("pci=off");
            Vmm.Config config = new Vmm.Config(o.vcpus(), o.memoryMiB() << 20, o.kernel(), Optional.of(o.initrd()),
                    cmdline, true);
            Path coldSocket = work.resolve("cold.hvsock");
            Vmm cold = Vmm.create(kvm, config, console(work, "cold", err), exit -> err.println("cold VM ended: "
                    + exit.describe()));
            try {
                addDevices(cold, coldSocket);
                long t1 = System.nanoTime();
                cold.boot();
                long t2 = System.nanoTime();
                boolean ready = AgentProbe.awaitHealthy(coldSocket, GuestContract.AGENT_VSOCK_PORT,
                        t2 + o.timeout().toNanos());
                long t3 = System.nanoTime();
                out.println("cold_agent_ready=" + ready);
                out.println("cold_create_ms=" + ms(t1 - t0));
                out.println("cold_boot_load_ms=" + ms(t2 - t1));
                out.println("cold_boot_to_agent_ms=" + ms(t3 - t2));
                out.println("cold_total_ms=" + ms(t3 - t0));
                if (!ready) {
                    showConsole(work, "cold", err);
                    return 1;
                }
                out.println("cold_command=" + command(coldSocket, "cold"));
                long p0 = System.nanoTime();
                if (!cold.vcpus().pause(Duration.ofSeconds(10))) {
                    err.println("kata-vmm: the cold VM's vCPUs did not pause");
                    return 1;
                }
                long p1 = System.nanoTime();
                Snapshot snapshot = cold.snapshot(kvm, snapshotDir, identity);
                long p2 = System.nanoTime();
                out.println("pause_ms=" + ms(p1 - p0));
                out.println("snapshot_ms=" + ms(p2 - p1));
                out.println("snapshot_memory_mib=" + (snapshot.memoryDataBytes() >> 20));
                out.println("snapshot_devices=" + snapshot.devices().stream().map(d -> d.name()).toList());
            } finally {
                cold.close();
            }
            // Restores, each with the clones before it still running.
            for (int i = 0; i < o.restores(); i++) {
                Path socket = work.resolve("clone" + i + ".hvsock");
                long r0 = System.nanoTime();
                int index = i;
                VmSnapshots.Restored restored = VmSnapshots.restoreTimed(kvm, snapshotDir, identity,
                        console(work, "clone" + i, err), exit -> err.println("clone " + index + " ended: "
                                + exit.describe()), vmm -> addDevices(vmm, socket));
                clones.add(restored.vmm());
                long r1 = System.nanoTime();
                boolean ready = AgentProbe.awaitHealthy(socket, GuestContract.AGENT_VSOCK_PORT,
                        r1 + o.timeout().toNanos());
                long r2 = System.nanoTime();
                VmSnapshots.RestorePhases phases = restored.phases();
                String p = "clone" + i + "_";
                out.println(p + "agent_ready=" + ready);
                out.println(p + "read_state_ms=" + ms(phases.readState()));
                out.println(p + "create_vm_ms=" + ms(phases.createVm()));
                out.println(p + "memory_ms=" + ms(phases.memory()));
                out.println(p + "devices_ms=" + ms(phases.devices()));
                out.println(p + "vcpus_ms=" + ms(phases.vcpus()));
                out.println(p + "restore_ms=" + ms(r1 - r0));
                out.println(p + "restore_to_agent_ms=" + ms(r2 - r0));
                if (!ready) {
                    showConsole(work, "clone" + i, err);
                    ok = false;
                    continue;
                }
                out.println(p + "command=" + command(socket, "clone" + i));
            }
            // Every clone still answers, on its own socket.
            for (int i = 0; i < clones.size(); i++) {
                out.println("clone" + i + "_still_ready=" + AgentProbe.awaitHealthy(work.resolve("clone" + i
                        + ".hvsock"), GuestContract.AGENT_VSOCK_PORT, System.nanoTime() + o.timeout().toNanos()));
            }
            // A snapshot of another host kernel is refused before anything is created.
            SnapshotIdentity foreign = new SnapshotIdentity(identity.build(), identity.hostKernel() + "-other",
                    identity.cpu(), identity.guest());
            try {
                VmSnapshots.restore(kvm, snapshotDir, foreign, OutputStream.nullOutputStream(), exit -> { },
                        vmm -> addDevices(vmm, work.resolve("foreign.hvsock")));
                out.println("foreign_refused=false");
                ok = false;
            } catch (SnapshotException.Foreign e) {
                out.println("foreign_refused=" + e.field());
            }
        } finally {
            for (Vmm clone : clones) {
                clone.close();
            }
            deleteTree(work);
        }
        return ok ? 0 : 1;
    }

    private static void addDevices(Vmm vmm, Path socket) throws IOException {
        EventLoop loop = EventLoop.start("snapshot-cycle-devices");
        vmm.own(loop);
        vmm.addVirtioDevice("vsock", VsockDevice.open(socket, GUEST_CID), loop);
        vmm.addVirtioDevice("rng", RngDevice.open(), loop);
    }

    /** Runs a command in the guest's debug console; its output names the guest and proves a shell ran it. */
    private static String command(Path socket, String who) throws IOException {
        // The shell prints the product, not the command line: only a shell that ran it shows the marker.
        String marker = MARKER + who + "-42-done";
        Optional<String> output = AgentProbe.debugConsole(socket, GuestContract.DEBUG_CONSOLE_VSOCK_PORT,
                "echo " + MARKER + who + "-$((6*7))-done", marker, Duration.ofSeconds(60));
        return output.isPresent() ? "ok" : "no-answer";
    }

    private static OutputStream console(Path work, String name, PrintStream err) throws IOException {
        return Files.newOutputStream(work.resolve(name + ".console"));
    }

    /** The guest console of {@code name}, on stderr, when its agent did not answer. */
    private static void showConsole(Path work, String name, PrintStream err) throws IOException {
        Path file = work.resolve(name + ".console");
        if (Files.exists(file)) {
            err.println("---- console of " + name + " ----");
            err.println(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
