package io.katacontainers.packaging.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the end-to-end tests share: the built tree, busybox bundles, and the check that a sandbox left nothing. */
public final class Sandboxes {
    public static final Path DIST = Path.of(System.getProperty("kata.dist", "../build")).toAbsolutePath().normalize();
    public static final Path REPO = DIST.getParent();

    private Sandboxes() {
    }

    /** Fails early, with what to do, when the tree lacks what a VM needs. */
    /**
     * The installed tree's configuration.toml with the agent's dial_timeout raised to 180 s: a TCG guest under a
     * loaded test run can take longer than the shipped value to bring its agent up.
     */
    public static String shippedConfigForSlowGuests() throws IOException {
        return Files.readString(DIST.resolve("share/defaults/kata-containers/configuration.toml"))
                .replaceFirst("\\ndial_timeout = \\d+\\n", "\ndial_timeout = 180\n");
    }

    public static void requireBuiltTree() {
        for (String file : List.of("bin/kata-runtime", "share/kata-containers/vmlinux.container",
                "share/kata-containers/kata-containers-initrd.img")) {
            assertTrue(Files.exists(DIST.resolve(file)), DIST.resolve(file) + " is missing: run 'make build'");
        }
    }

    /** A busybox bundle in {@code dir/bundle} running {@code command}; {@code --terminal} first asks for a tty. */
    static Path bundle(Path dir, String... command) throws IOException, InterruptedException {
        Path bundle = dir.resolve("bundle");
        List<String> argv = new ArrayList<>(List.of(REPO.resolve("packaging/bundle/make-bundle.sh").toString()));
        List<String> rest = new ArrayList<>(Arrays.asList(command));
        if (!rest.isEmpty() && rest.getFirst().equals("--terminal")) {
            argv.add(rest.removeFirst());
        }
        argv.add(bundle.toString());
        argv.addAll(rest);
        Process make = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, make.waitFor(), output);
        return bundle;
    }

    /** {@link #bundle} for tests of other packages. */
    public static Path bundleOf(Path dir, String... command) throws IOException, InterruptedException {
        return bundle(dir, command);
    }

    /** No VMM, virtiofsd, mount or state directory of the sandbox survives it. */
    public static void assertNothingLeft(String id) throws IOException {
        Path runDir = Path.of("/run/vc/sbs", id);
        assertFalse(Files.exists(runDir), runDir + " was left behind");
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(mounts.contains(runDir + " ") || mounts.contains(runDir + "/"),
                "a mount under " + runDir + " was left behind");
        List<String> leftovers = ProcessHandle.allProcesses()
                .filter(process -> process.info().arguments().map(args -> String.join(" ", args))
                        .filter(args -> args.contains(runDir + "/") || args.endsWith(runDir.toString()))
                        .isPresent())
                .map(process -> process.pid() + " " + process.info().commandLine().orElse("?"))
                .toList();
        assertEquals(List.of(), leftovers, "processes of sandbox " + id + " were left behind");
    }
}
