package io.katacontainers.packaging.nested;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.packaging.Command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Snapshot and restore of the built-in VMM on a real KVM (inside the nested KVM harness), with the built tree's
 * guest kernel and agent initrd: {@code kata-vmm snapshot-cycle} boots the guest to a ready agent (grpc.Health
 * answers SERVING over the hybrid vsock) and runs a debug-console command, pauses it, saves a snapshot, closes it,
 * then restores the snapshot twice into new VMs that run side by side: each agent answers on its own fresh socket
 * and runs a command, and a snapshot presented as another host kernel's is refused. Prints the cold boot's and each
 * restore's phases (the template benchmark's built-in VMM figures). The snapshot lives in L1's /dev/shm (tmpfs, like
 * Kata's template directory). One harness run, a few minutes under TCG.
 */
@Order(9)
@Isolated
class BuiltinSnapshotNestedTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");
    private static final Duration TIMEOUT = Duration.ofSeconds(900);

    @Test
    void aSnapshotOfAReadyGuestRestoresTwiceIntoAnsweringAgents() throws Exception {
        NestedKvm.requireHarness();
        Path kernel = DIST.resolve("share/kata-containers/vmlinux.container");
        Path initrd = DIST.resolve("share/kata-containers/kata-containers-initrd.img");
        assertTrue(Files.isRegularFile(kernel) && Files.isRegularFile(initrd),
                kernel + " and " + initrd + " must exist: run 'make build'");
        Path lib = DIST.resolve("lib/kata-java");
        String script = """
                echo "harness_dir=$NESTED_KVM_DIR"
                status=0
                %s @%s -p %s \\
                  -m io.katacontainers.hypervisor.kvm/io.katacontainers.hypervisor.kvm.tool.VmmTool \\
                  snapshot-cycle --kernel %s --initrd %s --memory 2048 --restores 2 --timeout 300 \\
                  --dir /dev/shm || status=$?
                echo "cycle_exit=$status"
                echo "leftover_dirs=$(find /dev/shm -maxdepth 1 -name 'kata-vmm-snapshot-*' | wc -l)"
                """.formatted(NestedKvm.quote(lib.resolve("jre/bin/java").toString()),
                NestedKvm.quote(lib.resolve("jvm.args").toString()),
                NestedKvm.quote(lib.resolve("modules").toString()), NestedKvm.quote(kernel.toString()),
                NestedKvm.quote(initrd.toString()));
        Command run = NestedKvm.run(TIMEOUT, script);
        Map<String, String> v = NestedKvm.values(run.stdout());
        String report = run.toString();

        assertEquals(0, run.exitCode(), report);
        assertEquals("true", v.get("cold_agent_ready"), report);
        assertEquals("ok", v.get("cold_command"), "the cold guest's debug console ran a command: " + report);
        assertEquals("[vsock, rng]", v.get("snapshot_devices"), report);
        for (int i = 0; i < 2; i++) {
            assertEquals("true", v.get("clone" + i + "_agent_ready"), "clone " + i + "'s agent answers: " + report);
            assertEquals("ok", v.get("clone" + i + "_command"), "clone " + i + " runs a command: " + report);
            assertEquals("true", v.get("clone" + i + "_still_ready"), "clone " + i + " still answers: " + report);
        }
        assertEquals("host kernel", v.get("foreign_refused"), report);
        assertEquals("0", v.get("cycle_exit"), report);
        assertEquals("0", v.get("leftover_dirs"), report);
        NestedKvm.assertNothingLeft(Path.of(v.get("harness_dir")));
        System.out.printf("built-in VMM, nested KVM: cold create %s + load %s + boot-to-agent %s ms = %s ms;"
                        + " snapshot %s ms (%s MiB); restore %s ms (state %s, VM %s, memory %s, devices %s,"
                        + " vCPUs %s) + to agent %s ms total; second restore %s ms total%n",
                v.get("cold_create_ms"), v.get("cold_boot_load_ms"), v.get("cold_boot_to_agent_ms"),
                v.get("cold_total_ms"), v.get("snapshot_ms"), v.get("snapshot_memory_mib"), v.get("clone0_restore_ms"),
                v.get("clone0_read_state_ms"), v.get("clone0_create_vm_ms"), v.get("clone0_memory_ms"),
                v.get("clone0_devices_ms"), v.get("clone0_vcpus_ms"), v.get("clone0_restore_to_agent_ms"),
                v.get("clone1_restore_to_agent_ms"));
        // Every figure, for the template benchmark's per-phase split.
        v.forEach((key, value) -> {
            if (key.endsWith("_ms") || key.endsWith("_mib")) {
                System.out.println("snapshot-cycle " + key + "=" + value);
            }
        });
    }
}
