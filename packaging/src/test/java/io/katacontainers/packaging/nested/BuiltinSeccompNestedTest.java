package io.katacontainers.packaging.nested;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.packaging.Command;
import io.katacontainers.packaging.shim.PrivateContainerd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The built-in VMM hardened, on a real KVM (inside the nested KVM harness), in one harness run:
 * <ul>
 * <li>a pod runs through containerd and the shim with the shipped configuration ({@code disable_seccomp = false}):
 *     the shim's vCPU and device threads are under a seccomp filter, its other threads are not, and an exec in the
 *     container works;</li>
 * <li>SIGKILL of the pod's virtiofsd stops the VM: the task exits within 60 s, the shim's log names virtiofsd's
 *     exit, and delete leaves nothing behind;</li>
 * <li>the cost per guest exit with and without the filter ({@code kata-vmm exit-cost}), printed for
 *     benchmarks/RESULTS.md.</li>
 * </ul>
 */
@Order(8)
@Isolated
class BuiltinSeccompNestedTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");
    private static final Path CONTAINERD_DIR = Path.of("/run/kata-vmmsec-nested");
    private static final String ID = "nested-vmmsec-pod";
    private static final int EXITS = Integer.getInteger("kata.vmmsec.exits", 10_000);
    private static final int RUNS = Integer.getInteger("kata.vmmsec.runs", 5);

    @TempDir
    Path work;

    @Test
    void podRunsUnderTheFilterAndADeadVirtiofsdStopsIt() throws Exception {
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
        Path lib = DIST.resolve("lib/kata-java");
        String script = """
                echo "harness_dir=$NESTED_KVM_DIR"
                vmm() { %10$s @%11$s -p %12$s \\
                    -m io.katacontainers.hypervisor.kvm/io.katacontainers.hypervisor.kvm.tool.VmmTool exit-cost \\
                    --exits %13$d --runs %14$d --json "$@"; }
                echo "cost_plain=$(vmm)"
                echo "cost_seccomp=$(vmm --seccomp)"
                mkdir -p %1$s
                PATH=%2$s:$PATH containerd --config %3$s > %4$s 2>&1 &
                containerd_pid=$!
                ctr() { command ctr --address %5$s "$@"; }
                for _ in $(seq 600); do [ -S %5$s ] && break; sleep 0.1; done
                ctr image import %6$s > /dev/null
                ctr run -d --runtime io.containerd.kata.v2 --runtime-config-path %7$s %8$s %9$s sleep 600
                echo "run_exit=$?"
                shim=$(pgrep -f 'shim[.]ShimMain' | head -1)
                echo "leader=$(grep '^Seccomp:' /proc/$shim/status | tr -d ' \\t')"
                for task in /proc/$shim/task/*; do
                    echo "thread=$(cat $task/comm | tr ' ' _) $(grep '^Seccomp:' $task/status | tr -d ' \\t')"
                done
                echo "exec_out=$(ctr task exec --exec-id e1 %9$s echo exec-ok)"
                kill -KILL $(pgrep -x virtiofsd)
                killed=$(date +%%s%%N)
                status=RUNNING
                for _ in $(seq 600); do
                    status=$(ctr task ls | awk -v id=%9$s '$1 == id { print $3 }')
                    [ "$status" = STOPPED ] && break
                    sleep 0.1
                done
                echo "task_status=$status"
                echo "stop_ms=$(( ($(date +%%s%%N) - killed) / 1000000 ))"
                ctr task delete %9$s > /dev/null 2>&1 || ctr task delete -f %9$s > /dev/null 2>&1
                ctr container delete %9$s
                for _ in $(seq 300); do pgrep -f 'shim[.]ShimMain' > /dev/null || break; sleep 0.1; done
                kill -TERM "$containerd_pid"
                wait "$containerd_pid"
                echo "leftover_shims=$(pgrep -c -f 'shim[.]ShimMain' || true)"
                echo "leftover_virtiofsd=$(pgrep -c -x virtiofsd || true)"
                echo "leftover_sandbox_dirs=$(ls -A /run/vc/sbs 2>/dev/null | wc -l)"
                echo "leftover_mounts=$(grep -c -e /run/vc/ -e %1$s/ /proc/self/mounts || true)"
                """.formatted(CONTAINERD_DIR, NestedKvm.quote(DIST.resolve("bin").toString()),
                NestedKvm.quote(containerdConfig.toString()), NestedKvm.quote(log.toString()), socket,
                NestedKvm.quote(image.toString()), NestedKvm.quote(config.toString()), PrivateContainerd.IMAGE, ID,
                NestedKvm.quote(lib.resolve("jre/bin/java").toString()),
                NestedKvm.quote(lib.resolve("jvm.args").toString()), NestedKvm.quote(lib.resolve("modules").toString()),
                EXITS, RUNS);
        Command run = NestedKvm.run(Duration.ofSeconds(1200), script);
        Map<String, String> values = NestedKvm.values(run.stdout());
        String containerdLog = Files.exists(log) ? Files.readString(log) : "(none)";
        String report = run + "\ncontainerd's log (with the shim's):\n" + containerdLog;

        assertEquals(0, run.exitCode(), report);
        assertEquals("0", values.get("run_exit"), report);
        // The filter is per thread: the vCPU and the device loop are under it, the shim's main thread is not.
        assertTrue(run.stdout().contains("thread=vcpu-0 Seccomp:2"), "the vCPU thread is filtered: " + report);
        // comm holds 15 characters: the device loop "vm-<id>-devices" and the unfiltered release watcher
        // "vm-<id>-release" look alike there, so count: the vCPU and the device loop, and no other thread.
        assertTrue(Pattern.compile("thread=vm-[^ ]* Seccomp:2").matcher(run.stdout()).find(),
                "the device thread is filtered: " + report);
        assertEquals(2, Pattern.compile("Seccomp:2").matcher(run.stdout()).results().count(),
                "only the vCPU and the device loop are filtered: " + report);
        assertEquals("Seccomp:0", values.get("leader"), "the shim's main thread is not: " + report);
        assertEquals("exec-ok", values.get("exec_out"), "an exec works with the filter on: " + report);
        assertEquals("STOPPED", values.get("task_status"), "a dead virtiofsd stops the task: " + report);
        assertTrue(Integer.parseInt(values.get("stop_ms")) < 60_000, report);
        assertTrue(containerdLog.contains("virtiofsd"), "the shim's log names virtiofsd's end: " + report);
        assertEquals("0", values.get("leftover_shims"), report);
        assertEquals("0", values.get("leftover_virtiofsd"), report);
        assertEquals("0", values.get("leftover_sandbox_dirs"), report);
        assertEquals("0", values.get("leftover_mounts"), report);
        NestedKvm.assertNothingLeft(Path.of(values.get("harness_dir")));
        System.out.printf("built-in VMM, nested KVM, %d exits x %d runs: per exit without seccomp %s us, with %s us;"
                + " virtiofsd killed -> task STOPPED in %s ms%n", EXITS, RUNS, micros(values.get("cost_plain")),
                micros(values.get("cost_seccomp")), values.get("stop_ms"));
    }

    private static String micros(String json) {
        Matcher m = Pattern.compile("\"medianMicrosPerExit\":([0-9.]+)").matcher(json == null ? "" : json);
        return m.find() ? m.group(1) : "(none: " + json + ")";
    }
}
