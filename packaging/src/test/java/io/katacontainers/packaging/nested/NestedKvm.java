package io.katacontainers.packaging.nested;

import io.katacontainers.packaging.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a bash script inside the nested KVM harness ({@code packaging/harness/nested-kvm.sh}): a level-1 VM with a
 * real {@code /dev/kvm} (kvm_amd) on hosts without VT-x/SVM, which shares the host's root, so the built tree
 * ({@code build/bin/kata-runtime}) runs there as it does here, in the repository's root directory.
 * <p>
 * Every run boots a VM (3-4 s under TCG before the script starts), so a test does all its work in one script
 * that prints {@code key=value} lines, and checks them all ({@link #values}).
 */
public final class NestedKvm {
    /** The repository: the parent of the built tree (system property {@code kata.dist}, set by the pom). */
    public static final Path REPO = Path.of(System.getProperty("kata.dist", "../build")).toAbsolutePath()
            .normalize().getParent();
    private static final Path HARNESS = REPO.resolve("packaging/harness/nested-kvm.sh");
    /** Room for the harness to notice its own timeout, kill the VM and say so, before we give up on it. */
    private static final Duration GRACE = Duration.ofSeconds(30);

    private NestedKvm() {
    }

    /**
     * Runs {@code script} with {@code bash -euo pipefail -c} in L1, in {@link #REPO}, as root.
     *
     * @param timeout         the harness's {@code --timeout}: the VM is killed after it and the exit code is 124
     * @param harnessOptions  more options of nested-kvm.sh, e.g. {@code --cpus 2}, {@code --env NAME}
     * @return the exit code (the script's, or the harness's own: 124 timeout, 125 harness failure) and both streams
     */
    public static Command run(Duration timeout, String script, String... harnessOptions)
            throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(HARNESS.toString(), "--timeout",
                Long.toString(timeout.toSeconds())));
        argv.addAll(List.of(harnessOptions));
        argv.addAll(List.of("--", "bash", "-euo", "pipefail", "-c", script));
        return Command.run(REPO, Map.of(), false, timeout.plus(GRACE), argv);
    }

    /** The {@code key=value} lines of a script's output, in order; a later line wins over an earlier one. */
    public static Map<String, String> values(String stdout) {
        Map<String, String> values = new LinkedHashMap<>();
        stdout.lines()
                .filter(line -> line.matches("[A-Za-z_][A-Za-z0-9_.]*=.*"))
                .forEach(line -> values.put(line.substring(0, line.indexOf('=')),
                        line.substring(line.indexOf('=') + 1)));
        return values;
    }

    /**
     * A script fragment that runs {@code build/bin/kata-runtime run} of {@code bundle} as {@code id} with the
     * configuration file {@code config} (see {@link #configuration}), then prints {@code run_exit=CODE}; the
     * container's own output comes before it.
     */
    public static String kataRuntimeRun(Path config, Path bundle, String id) {
        return """
                run_exit=0
                KATA_CONF_FILE=%s build/bin/kata-runtime run --bundle %s %s || run_exit=$?
                echo "run_exit=$run_exit"
                """.formatted(quote(config.toString()), quote(bundle.toString()), quote(id));
    }

    /**
     * A copy of the built tree's configuration file {@code name} (e.g. configuration-qemu.toml) in {@code dir}, with
     * a drop-in in {@code dir/config.d} that waits longer for the agent: an L2 guest under TCG-emulated SVM boots
     * to a ready agent in 30-90 s on a loaded 2-core host, against Kata's default of 45.
     */
    public static Path configuration(Path dist, String name, Path dir) throws IOException {
        Path copy = dir.resolve(name);
        Files.copy(dist.resolve("share/defaults/kata-containers").resolve(name), copy,
                StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(dir.resolve("config.d"));
        Files.writeString(dir.resolve("config.d/50-nested-kvm.toml"), "[agent.kata]\ndial_timeout = 300\n");
        return copy;
    }

    /** Whether {@code release}, a guest's {@code uname -r}, is that of the guest kernel of the tree {@code dist}. */
    public static boolean isGuestKernelOf(Path dist, String release) throws IOException {
        return guestKernel(dist).hasRelease(release);
    }

    /**
     * The banner of the guest kernel of the tree {@code dist}, to compare a guest's {@code uname -r} and {@code -v}
     * with.
     */
    public static KernelBanner guestKernel(Path dist) throws IOException {
        return KernelBanner.of(dist.resolve("share/kata-containers/vmlinux.container"));
    }

    /** {@code s} as one single-quoted shell word. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Nothing of a harness run is left on the host: not its private directory {@code dir} (the script sees it as
     * {@code $NESTED_KVM_DIR}), nor any process naming it (QEMU, virtiofsd, the output followers).
     */
    public static void assertNothingLeft(Path dir) {
        assertTrue(dir.toString().startsWith("/tmp/nested-kvm."), "not a harness directory: " + dir);
        assertFalse(Files.exists(dir), dir + " was left behind");
        List<String> leftovers = ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().filter(line -> line.contains(dir.toString()))
                        .isPresent())
                .map(process -> process.pid() + " " + process.info().commandLine().orElse("?"))
                .toList();
        assertEquals(List.of(), leftovers, "processes of the harness were left behind");
    }

    /** Fails early, with what to do, when the host cannot run the harness at all. */
    public static void requireHarness() {
        assertTrue(Files.isExecutable(HARNESS), HARNESS + " is missing");
        assertTrue(Files.isExecutable(Path.of("/usr/lib/qemu/virtiofsd")),
                "no /usr/lib/qemu/virtiofsd: apt-get install qemu-system-common");
        assertTrue("root".equals(System.getProperty("user.name")), "the nested KVM harness needs root (virtiofsd)");
    }
}
