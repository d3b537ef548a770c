package io.katacontainers.packaging.nested;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.packaging.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nested KVM harness: what it gives a command (a real KVM, the caller's directory, environment, streams and
 * exit code), that it cleans up on every path, and that the built tree runs a container with QEMU on KVM inside it.
 * Each test is one harness run (one L1 boot); the KVM one also boots an L2 guest, about a minute under TCG.
 */
@Order(2)
@Isolated
class NestedKvmTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");

    @TempDir
    Path work;

    @BeforeAll
    static void requireHarness() {
        NestedKvm.requireHarness();
        assertTrue(Files.isExecutable(DIST.resolve("bin/kata-runtime")), DIST
                + "/bin/kata-runtime is missing: run 'make build'");
    }

    @Test
    void commandGetsCallersDirectoryEnvironmentStreamsAndExitCodeAndNothingIsLeft() throws Exception {
        Path cwd = Files.createDirectories(work.resolve("a dir"));
        String script = """
                echo "pwd=$PWD"
                echo "l1=${NESTED_KVM_L1:-}"
                echo "kata_var=${KATA_NESTED_PROBE:-unset}"
                echo "extra_var=${NESTED_EXTRA:-unset}"
                echo "secret_var=${NESTED_NOT_PASSED:-unset}"
                echo "run_entries=$(ls -A /run | wc -l)"
                echo "harness_dir=$NESTED_KVM_DIR"
                echo "to stderr" >&2
                exit 7
                """;
        Command run = Command.run(cwd, Map.of("KATA_NESTED_PROBE", "it's passed", "NESTED_EXTRA", "named",
                        "NESTED_NOT_PASSED", "leaked"), false, Duration.ofSeconds(150),
                List.of(NestedKvm.REPO.resolve("packaging/harness/nested-kvm.sh").toString(),
                        "--timeout", "120", "--env", "NESTED_EXTRA", "--", "bash", "-c", script));
        Map<String, String> values = NestedKvm.values(run.stdout());
        assertEquals(7, run.exitCode(), run.toString());
        assertEquals(cwd.toString(), values.get("pwd"), run.toString());
        assertEquals("1", values.get("l1"), run.toString());
        assertEquals("it's passed", values.get("kata_var"), "KATA_* variables are passed on");
        assertEquals("named", values.get("extra_var"), "--env NAME passes NAME on");
        assertEquals("unset", values.get("secret_var"), "other variables stay behind");
        assertEquals("0", values.get("run_entries"), "L1's /run is its own, empty tmpfs");
        assertEquals("to stderr\n", run.stderr(), "stderr comes back apart from stdout");
        NestedKvm.assertNothingLeft(Path.of(values.get("harness_dir")));
    }

    @Test
    void aTimeoutKillsTheVmWithExitCode124AndLeavesNothing() throws Exception {
        Command run = NestedKvm.run(Duration.ofSeconds(20), "echo \"harness_dir=$NESTED_KVM_DIR\"; exec sleep 600");
        assertEquals(124, run.exitCode(), run.toString());
        assertTrue(run.stderr().contains("timed out after 20 s; the VM was killed"), run.toString());
        String dir = NestedKvm.values(run.stdout()).get("harness_dir");
        assertNotNull(dir, "L1 did not reach the command within the timeout: " + run);
        NestedKvm.assertNothingLeft(Path.of(dir));
    }

    /**
     * In L1: /dev/kvm is kvm_amd (not PVM), {@code kata-runtime check} finds hardware virtualization usable, and
     * {@code kata-runtime run} with the QEMU configuration runs a busybox container on KVM (QEMU's -accel, and the
     * guest's kvm-clock) that prints the guest kernel's {@code uname -r -v} and whose exit code comes back.
     */
    @Test
    void l1HasARealKvmAndKataRuntimeRunsAContainerOnIt() throws Exception {
        Path bundle = Files.createDirectories(work.resolve("bundle"));
        String bundleScript = "echo \"guest_release=$(uname -r)\"; echo \"guest_version=$(uname -v)\"; "
                + "echo \"guest_clocksources=$(cat "
                + "/sys/devices/system/clocksource/clocksource0/available_clocksource)\"; "
                + "exit 3";
        Command make = Command.run(NestedKvm.REPO, Map.of(), false, Duration.ofSeconds(60), List.of(
                NestedKvm.REPO.resolve("packaging/bundle/make-bundle.sh").toString(), bundle.toString(), "sh", "-c",
                bundleScript));
        assertEquals(0, make.exitCode(), make.toString());
        Path report = work.resolve("check.json");
        Path qemuArgs = work.resolve("qemu.args");
        String id = "nested-kvm-qemu";
        String script = """
                echo "kvm_device=$(stat -c %%t:%%T /dev/kvm)"
                echo "kvm_amd=$([ -d /sys/module/kvm_amd ] && echo yes || echo no)"
                echo "kvm_pvm=$([ -e /sys/module/kvm_pvm ] && echo yes || echo no)"
                echo "l1_version=$(uname -r) $(uname -v)"
                check_exit=0
                build/bin/kata-runtime check --json > %s || check_exit=$?
                echo "check_exit=$check_exit"
                # QEMU's arguments while the sandbox runs: its accelerator is what the driver chose.
                ( while sleep 0.5; do
                    pgrep -a -f '^/usr/bin/qemu-system-x86_64 -name sandbox-%s ' || true
                  done ) > %s &
                watcher=$!
                %s
                kill $watcher
                echo "qemu_accel=$(grep -o -m1 -E -- '-accel [a-z]+' %s || echo none)"
                echo "qemu_vsock=$(grep -q -- vhost-vsock %s && echo yes || echo no)"
                """.formatted(NestedKvm.quote(report.toString()), id, NestedKvm.quote(qemuArgs.toString()),
                NestedKvm.kataRuntimeRun(NestedKvm.configuration(DIST, "configuration-qemu.toml", work), bundle, id),
                NestedKvm.quote(qemuArgs.toString()), NestedKvm.quote(qemuArgs.toString()));
        Command run = NestedKvm.run(Duration.ofSeconds(600), script);
        Map<String, String> values = NestedKvm.values(run.stdout());
        assertEquals(0, run.exitCode(), run.toString());

        assertEquals("a:e8", values.get("kvm_device"), "/dev/kvm is the misc device 10:232: " + run);
        assertEquals("yes", values.get("kvm_amd"), run.toString());
        assertEquals("no", values.get("kvm_pvm"), run.toString());

        assertEquals("0", values.get("check_exit"), run.toString());
        JsonNode check = new ObjectMapper().readTree(Files.readString(report));
        assertTrue(check.get("capable").asBoolean() && check.get("canCreate").asBoolean(), check.toPrettyString());
        assertEquals("kvm", check.at("/hypervisor/accelerator").asText(), check.toPrettyString());

        assertEquals("-accel kvm", values.get("qemu_accel"), "QEMU ran on KVM in L1, not TCG: " + run);
        assertEquals("yes", values.get("qemu_vsock"),
                "L1 has /dev/vhost-vsock, so the agent is dialled over kernel vsock: " + run);
        assertEquals("3", values.get("run_exit"), "the container's exit code comes back: " + run);
        assertTrue(values.getOrDefault("guest_clocksources", "").contains("kvm-clock"),
                "the guest runs on KVM (kvm-clock is offered): " + run);
        String release = values.getOrDefault("guest_release", "");
        String version = values.getOrDefault("guest_version", "");
        assertNotEquals(values.get("l1_version"), release + " " + version,
                "the container runs on the guest's kernel: " + run);
        assertTrue(NestedKvm.guestKernel(DIST).matches(release, version),
                "the guest kernel is the built tree's vmlinux.container: " + release + " " + version);
    }
}
