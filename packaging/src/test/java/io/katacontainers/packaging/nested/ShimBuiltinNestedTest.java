package io.katacontainers.packaging.nested;

import io.katacontainers.packaging.Command;
import io.katacontainers.packaging.shim.PrivateContainerd;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code containerd-shim-kata-v2} with hypervisor {@code builtin} on a real KVM (inside the nested KVM harness):
 * Debian's containerd, private to the test, runs a busybox container through {@code ctr run --rm --runtime
 * io.containerd.kata.v2}; the shim boots the guest in its own process through the built-in VMM, the container
 * prints the guest kernel's release and its exit code comes back through containerd; afterwards no shim, VMM,
 * virtiofsd, mount, socket or sandbox directory is left in L1 or on the host. One harness run, one L2 boot.
 */
@Order(4)
@Isolated
class ShimBuiltinNestedTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");
    /** containerd's root, state and socket: L1's own /run, a tmpfs that overlay snapshots can sit on. */
    private static final Path CONTAINERD_DIR = Path.of("/run/kata-shim-nested");
    private static final String ID = "nested-shim-builtin";
    private static final int EXIT_CODE = 7;

    @TempDir
    Path work;

    @Test
    void containerdRunsAContainerThroughTheShimInTheBuiltinVmm() throws Exception {
        NestedKvm.requireHarness();
        assertTrue(Files.isExecutable(DIST.resolve("bin/containerd-shim-kata-v2")),
                DIST.resolve("bin/containerd-shim-kata-v2") + " is missing: run 'make build'");
        Path image = work.resolve("busybox.tar");
        PrivateContainerd.makeBusyboxImage(NestedKvm.REPO, image);
        Path socket = CONTAINERD_DIR.resolve("containerd.sock");
        Path containerdConfig = work.resolve("containerd.toml");
        PrivateContainerd.writeConfig(containerdConfig, CONTAINERD_DIR.resolve("root"),
                CONTAINERD_DIR.resolve("state"), socket);
        Path config = NestedKvm.configuration(DIST, "configuration-builtin.toml", work);
        Path log = work.resolve("containerd.log");
        Path out = work.resolve("stdout");
        Path err = work.resolve("stderr");
        String script = """
                echo "harness_dir=$NESTED_KVM_DIR"
                mkdir -p %1$s
                PATH=%2$s:$PATH containerd --config %3$s > %4$s 2>&1 &
                containerd_pid=$!
                ctr() { command ctr --address %5$s "$@"; }
                for _ in $(seq 600); do [ -S %5$s ] && break; sleep 0.1; done
                ctr image import %6$s > /dev/null
                run_exit=0
                ctr run --rm --runtime io.containerd.kata.v2 --runtime-config-path %7$s %8$s %9$s \\
                    sh -c 'echo "guest_release=$(uname -r)"; exit %10$d' > %11$s 2> %12$s || run_exit=$?
                echo "run_exit=$run_exit"
                # The shim exits once it has answered containerd's Shutdown; the brackets keep this script's own
                # command line from matching.
                for _ in $(seq 300); do pgrep -f 'shim[.]ShimMain' > /dev/null || break; sleep 0.1; done
                kill -TERM "$containerd_pid"
                containerd_exit=0
                wait "$containerd_pid" || containerd_exit=$?
                echo "containerd_exit=$containerd_exit"
                echo "leftover_shims=$(pgrep -c -f 'shim[.]ShimMain' || true)"
                echo "leftover_virtiofsd=$(pgrep -c -x virtiofsd || true)"
                echo "leftover_sandbox_processes=$(pgrep -c -f 'vc/[s]bs/' || true)"
                echo "leftover_sandbox_dirs=$(ls -A /run/vc/sbs 2>/dev/null | wc -l)"
                echo "leftover_shim_sockets=$(ls -A /run/containerd/s 2>/dev/null | wc -l)"
                echo "leftover_bundles=$(ls -A %1$s/state/io.containerd.runtime.v2.task/default 2>/dev/null | wc -l)"
                echo "leftover_mounts=$(grep -c -e /run/vc/ -e %1$s/ -e %9$s /proc/self/mounts || true)"
                """.formatted(CONTAINERD_DIR, NestedKvm.quote(DIST.resolve("bin").toString()),
                NestedKvm.quote(containerdConfig.toString()), NestedKvm.quote(log.toString()), socket,
                NestedKvm.quote(image.toString()), NestedKvm.quote(config.toString()), PrivateContainerd.IMAGE, ID,
                EXIT_CODE, NestedKvm.quote(out.toString()), NestedKvm.quote(err.toString()));
        Command run = NestedKvm.run(Duration.ofSeconds(900), script);
        Map<String, String> values = NestedKvm.values(run.stdout());
        String stdout = readIfExists(out);
        String report = run + "\nctr stdout:\n" + stdout + "\nctr stderr:\n" + readIfExists(err)
                + "\ncontainerd's log (with the shim's):\n" + readIfExists(log);

        assertEquals(0, run.exitCode(), report);
        assertEquals(Integer.toString(EXIT_CODE), values.get("run_exit"),
                "the container's exit code comes back through containerd: " + report);
        assertTrue(NestedKvm.isGuestKernelOf(DIST, NestedKvm.values(stdout).getOrDefault("guest_release", "")),
                "the container runs on the built tree's guest kernel: " + report);
        assertEquals("0", values.get("containerd_exit"), report);
        assertEquals("0", values.get("leftover_shims"), "the shim exits: " + report);
        assertEquals("0", values.get("leftover_virtiofsd"), report);
        assertEquals("0", values.get("leftover_sandbox_processes"), report);
        assertEquals("0", values.get("leftover_sandbox_dirs"), report);
        assertEquals("0", values.get("leftover_shim_sockets"), report);
        assertEquals("0", values.get("leftover_bundles"), report);
        assertEquals("0", values.get("leftover_mounts"), report);
        NestedKvm.assertNothingLeft(Path.of(values.get("harness_dir")));
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "(none)";
    }
}
