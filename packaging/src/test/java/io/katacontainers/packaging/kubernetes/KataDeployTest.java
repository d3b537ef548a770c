package io.katacontainers.packaging.kubernetes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node installer ({@code packaging/kubernetes/kata-deploy/kata-deploy.sh}) on a node whose root is a temporary
 * directory: the tree it lays, the link, and the containerd configuration it writes, which containerd itself
 * reads back ({@code containerd config dump}) with the {@code kata} handler of {@code containerd-kata.toml}.
 */
class KataDeployTest {
    private static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path SCRIPT = REPO.resolve("packaging/kubernetes/kata-deploy/kata-deploy.sh");
    private static final String HANDLER = "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata]";

    @TempDir
    Path work;

    /** A stand-in for the built tree: a kata-runtime whose check names the QEMU configuration, and a shim. */
    private Path artifacts() throws IOException {
        Path tree = work.resolve("artifacts");
        Files.createDirectories(tree.resolve("bin"));
        Files.createDirectories(tree.resolve("share/defaults/kata-containers"));
        for (String tool : List.of("kata-runtime", "containerd-shim-kata-v2")) {
            Path file = Files.writeString(tree.resolve("bin").resolve(tool),
                    "#!/bin/sh\necho '{\"configuration\": \"configuration-qemu.toml\"}'\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return tree;
    }

    private String run(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(SCRIPT.toString()));
        argv.addAll(List.of(args));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        if (status != 0) {
            throw new AssertionError("kata-deploy.sh exited " + status + ": " + out);
        }
        return out;
    }

    private String[] options(Path root) throws IOException {
        return new String[] {"--host-root", root.toString(), "--artifacts", artifacts().toString(),
            "--restart-command", "touch " + work.resolve("restarted")};
    }

    private static String dump(Path config) throws Exception {
        Process process = new ProcessBuilder("containerd", "--config", config.toString(), "config", "dump")
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "containerd reads " + config + ": " + out);
        return out;
    }

    @Test
    void aFreshNodeGetsTheTreeTheShimLinkAndContainerdsKataHandler() throws Exception {
        Path root = Files.createDirectories(work.resolve("node"));
        run(prepend("install", options(root)));

        Path installed = root.resolve("opt/kata");
        assertTrue(Files.isExecutable(installed.resolve("bin/kata-runtime")), "the tree is laid at /opt/kata");
        String qemu = Files.readString(installed.resolve("share/defaults/kata-containers/configuration-qemu.toml"));
        assertFalse(qemu.contains("@PREFIX@"), "the configurations point at the node's paths");
        assertTrue(qemu.contains("\"/opt/kata/share/kata-containers/"), "paths under /opt/kata on the node");
        assertEquals(Path.of("configuration-qemu.toml"),
                Files.readSymbolicLink(installed.resolve("share/defaults/kata-containers/configuration.toml")));
        assertEquals(Path.of("/opt/kata/bin/containerd-shim-kata-v2"),
                Files.readSymbolicLink(root.resolve("usr/local/bin/containerd-shim-kata-v2")));
        assertTrue(Files.exists(work.resolve("restarted")), "containerd was restarted");

        Path config = root.resolve("etc/containerd/config.toml");
        String dumped = dump(config);
        int handler = dumped.indexOf(HANDLER);
        assertTrue(handler >= 0, "containerd has the kata handler: " + dumped);
        String kata = dumped.substring(handler);
        assertTrue(kata.contains("runtime_type = \"io.containerd.kata.v2\""), kata);
        assertTrue(kata.contains("ConfigPath = \"/opt/kata/share/defaults/kata-containers/configuration.toml\""),
                kata);
    }

    @Test
    void theSnippetIsTheShippedHandlerAndUninstallRestoresTheNodesConfiguration() throws Exception {
        // The block written is containerd-kata.toml's handler (the one the CRI end-to-end test runs with).
        List<String> shipped = Files.readAllLines(REPO.resolve("packaging/kubernetes/containerd-kata.toml"))
                .stream().filter(line -> !line.startsWith("#")).toList();
        List<String> snippet = run("snippet").lines().filter(line -> !line.startsWith("#")).toList();
        assertEquals(shipped, snippet);

        Path root = Files.createDirectories(work.resolve("node"));
        Path config = Files.createDirectories(root.resolve("etc/containerd")).resolve("config.toml");
        String original = """
                version = 2
                root = "/var/lib/containerd"
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  default_runtime_name = "runc"
                """;
        Files.writeString(config, original);
        run(prepend("install", options(root)));
        run(prepend("install", options(root)));
        String twice = Files.readString(config);
        assertTrue(twice.startsWith(original), "the node's settings stay: " + twice);
        assertEquals(1, twice.split(java.util.regex.Pattern.quote(HANDLER), -1).length - 1,
                "installing again leaves one handler: " + twice);
        assertTrue(dump(config).contains("default_runtime_name = \"runc\""));

        run(prepend("uninstall", options(root)));
        assertEquals(original, Files.readString(config), "uninstall removes exactly the block");
        assertFalse(Files.exists(root.resolve("opt/kata")), "the tree is gone");
        assertFalse(Files.exists(root.resolve("usr/local/bin/containerd-shim-kata-v2"), java.nio.file.LinkOption
                .NOFOLLOW_LINKS), "the link is gone");
    }

    @Test
    void aVersion1ConfigurationIsRefusedSayingWhatToDo() throws Exception {
        Path root = Files.createDirectories(work.resolve("node"));
        Path config = Files.createDirectories(root.resolve("etc/containerd")).resolve("config.toml");
        Files.writeString(config, "version = 1\n");
        AssertionError refused = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> run(prepend("install", options(root))));
        assertTrue(refused.getMessage().contains("containerd config migrate"), refused.getMessage());
        assertEquals("version = 1\n", Files.readString(config));
        assertNotEquals(true, Files.exists(root.resolve("opt/kata")), "nothing installed");
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
