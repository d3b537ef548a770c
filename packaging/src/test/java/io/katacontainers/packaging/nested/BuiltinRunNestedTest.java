package io.katacontainers.packaging.nested;

import io.katacontainers.packaging.Command;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kata-runtime run} with hypervisor {@code builtin} on a real KVM (inside the nested KVM harness): the
 * built-in VMM boots the guest kernel and initrd to a ready agent (reached through the VMM's hybrid vsock), a
 * busybox container prints the guest kernel's release, streams 16 MiB through the agent and the vsock device
 * byte-exact, and its exit code comes back; afterwards nothing of the sandbox is left in L1 or on the host. One
 * harness run, one L2 boot: a few minutes under TCG.
 */
@Order(6)
@Isolated
class BuiltinRunNestedTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");
    private static final int STREAM_BYTES = 16 << 20;
    private static final String STREAM_LINE = "0123456789abcdef\n";

    @TempDir
    Path work;

    @Test
    void kataRuntimeRunsAContainerInTheBuiltinVmm() throws Exception {
        NestedKvm.requireHarness();
        Path bundle = Files.createDirectories(work.resolve("bundle"));
        Command make = Command.run(NestedKvm.REPO, Map.of(), false, Duration.ofSeconds(60), List.of(
                NestedKvm.REPO.resolve("packaging/bundle/make-bundle.sh").toString(), bundle.toString(), "sh", "-c",
                "echo \"guest_release=$(uname -r)\" >&2; yes 0123456789abcdef | head -c " + STREAM_BYTES + "; exit 3"));
        assertEquals(0, make.exitCode(), make.toString());
        Path out = work.resolve("stdout");
        Path err = work.resolve("stderr");
        String id = "nested-builtin";
        Path config = NestedKvm.configuration(DIST, "configuration-builtin.toml", work);
        String script = """
                echo "harness_dir=$NESTED_KVM_DIR"
                run_exit=0
                KATA_CONF_FILE=%1$s build/bin/kata-runtime run --bundle %2$s %3$s > %4$s 2> %5$s || run_exit=$?
                echo "run_exit=$run_exit"
                echo "stdout_bytes=$(stat -c %%s %4$s)"
                echo "stdout_sha256=$(sha256sum < %4$s | cut -d' ' -f1)"
                echo "leftover_sandbox_dirs=$(ls -A /run/vc/sbs 2>/dev/null | wc -l)"
                echo "leftover_mounts=$(grep -c -- %3$s /proc/self/mounts || true)"
                # virtiofsd names the sandbox directory; the brackets keep this script's own text from matching.
                echo "leftover_processes=$(pgrep -f -- 'vc/[s]bs/%3$s' | wc -l || true)"
                """.formatted(NestedKvm.quote(config.toString()), NestedKvm.quote(bundle.toString()), id,
                NestedKvm.quote(out.toString()), NestedKvm.quote(err.toString()));
        Command run = NestedKvm.run(Duration.ofSeconds(900), script);
        Map<String, String> values = NestedKvm.values(run.stdout());
        String stderr = Files.exists(err) ? Files.readString(err) : "(none)";
        String report = run + "\nkata-runtime stderr:\n" + stderr;

        assertEquals(0, run.exitCode(), report);
        assertEquals("3", values.get("run_exit"), "the container's exit code comes back: " + report);
        String release = NestedKvm.values(stderr).getOrDefault("guest_release", "");
        assertTrue(NestedKvm.isGuestKernelOf(DIST, release),
                "the container runs on the built tree's guest kernel: " + report);
        assertEquals(Integer.toString(STREAM_BYTES), values.get("stdout_bytes"), report);
        assertEquals(expectedStreamSha256(), values.get("stdout_sha256"), "16 MiB byte-exact: " + report);
        assertEquals("0", values.get("leftover_sandbox_dirs"), report);
        assertEquals("0", values.get("leftover_mounts"), report);
        assertEquals("0", values.get("leftover_processes"), "no virtiofsd or runtime process: " + report);
        NestedKvm.assertNothingLeft(Path.of(values.get("harness_dir")));
    }

    private static String expectedStreamSha256() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] line = STREAM_LINE.getBytes(StandardCharsets.US_ASCII);
        int whole = STREAM_BYTES / line.length;
        for (int i = 0; i < whole; i++) {
            sha.update(line);
        }
        sha.update(line, 0, STREAM_BYTES % line.length);
        return HexFormat.of().formatHex(sha.digest());
    }
}
