package io.katacontainers.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The installable tree under build/, driven through its launchers from outside the source tree. */
class DistributionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static Path dist;

    @TempDir
    Path work;

    @BeforeAll
    static void locateDistribution() {
        dist = Path.of(System.getProperty("kata.dist", "../build")).toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(dist.resolve("bin/kata-runtime")),
                "no " + dist + "/bin/kata-runtime: the packaging module's package phase builds it (mvn install)");
    }

    private Command kata(String... args) throws IOException, InterruptedException {
        return runIn(dist.resolve("bin/kata-runtime"), args);
    }

    private Command runIn(Path binary, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(binary.toString()));
        argv.addAll(List.of(args));
        // A bare environment: the tree must not lean on a system JDK, JAVA_HOME or PATH.
        return Command.run(work, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), true, TIMEOUT, argv);
    }

    @Test
    void versionRunsFromAnyDirectoryWithItsOwnJre() throws Exception {
        Command version = kata("--version");
        assertEquals(0, version.exitCode(), version.toString());
        assertTrue(version.stdout().startsWith("kata-runtime  : "), version.toString());
        assertTrue(version.stdout().contains("OCI specs: 1.1.0"), version.toString());
        assertEquals("", version.stderr(), "nothing on stderr, e.g. no AOT cache complaint");
    }

    @Test
    void launcherWorksThroughASymlink() throws Exception {
        Path link = work.resolve("kata-runtime");
        Files.createSymbolicLink(link, dist.resolve("bin/kata-runtime"));
        Command version = runIn(link, "--version");
        assertEquals(0, version.exitCode(), version.toString());
    }

    @Test
    void jreIsTrimmedToTheModulesTheToolsUse() throws Exception {
        Command modules = runIn(dist.resolve("lib/kata-java/jre/bin/java"), "--list-modules");
        assertEquals(0, modules.exitCode(), modules.toString());
        List<String> names = modules.stdout().lines().map(line -> line.replaceFirst("@.*", "")).sorted().toList();
        assertEquals(List.of("java.base", "java.logging", "jdk.unsupported"), names);
    }

    @Test
    void everyCommandHasHelp() throws Exception {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"check", "--help"},
                new String[] {"env", "--help"}, new String[] {"help", "check"})) {
            Command help = kata(args);
            assertEquals(0, help.exitCode(), String.join(" ", args) + ": " + help);
            assertTrue(help.stdout().contains("Usage:"), String.join(" ", args) + ": " + help);
        }
    }

    @Test
    void unknownCommandFailsAndSaysWhatExists() throws Exception {
        Command unknown = kata("frobnicate");
        assertNotEquals(0, unknown.exitCode());
        assertTrue(unknown.stderr().contains("frobnicate"), unknown.toString());
        assertTrue(unknown.stderr().contains("check"), unknown.toString());
    }

    @Test
    void checkOnThisHostMatchesItsVirtualization() throws Exception {
        boolean hardwareVirtualization = cpuFlags().anyMatch(flag -> flag.equals("vmx") || flag.equals("svm"));
        boolean pvm = Files.isDirectory(Path.of("/sys/module/kvm_pvm"));
        Command check = kata("check", "--verbose");
        if (hardwareVirtualization) {
            assertTrue(check.stdout().contains("System is capable of running Kata Containers"), check.toString());
            return;
        }
        assertNotEquals(0, check.exitCode(), "a host without VT-x/SVM is not capable: " + check);
        String all = check.stdout() + check.stderr();
        assertTrue(all.contains("vmx") || all.contains("svm"), "names the missing CPU flag: " + check);
        if (pvm) {
            assertTrue(all.contains("PVM"), "explains the PVM /dev/kvm: " + check);
            assertTrue(all.contains("TCG"), "says which configuration still works: " + check);
        }

        JsonNode report = new ObjectMapper().readTree(kata("check", "--json").stdout());
        assertFalse(report.path("capable").asBoolean(true), report.toPrettyString());
    }

    @Test
    void envReportsTheInstalledDefaultConfiguration() throws Exception {
        Command env = kata("env", "--json");
        assertEquals(0, env.exitCode(), env.toString());
        JsonNode json = new ObjectMapper().readTree(env.stdout());
        String text = json.toString();
        // As Kata's env does, the link configuration.toml is shown resolved, e.g. to configuration-qemu.toml.
        Path installed = dist.resolve("share/defaults/kata-containers/configuration.toml").toRealPath();
        assertTrue(text.contains(installed.toString()),
                "env names the install's default configuration: " + json.toPrettyString());
        Command toml = kata("env");
        assertEquals(0, toml.exitCode(), toml.toString());
        assertTrue(toml.stdout().contains("[Hypervisor]"), toml.toString());
    }

    /** configuration.toml is a link to the file check names for this host, as Kata's packages link it. */
    @Test
    void theDefaultConfigurationIsTheOneCheckChooses() throws Exception {
        JsonNode report = new ObjectMapper().readTree(kata("check", "--json").stdout());
        String chosen = report.at("/hypervisor/configuration").asText();
        assertTrue(chosen.matches("configuration-(qemu|builtin)\\.toml"), report.toPrettyString());
        Path link = dist.resolve("share/defaults/kata-containers/configuration.toml");
        assertTrue(Files.isSymbolicLink(link), link + " is a link");
        assertEquals(Path.of(chosen), Files.readSymbolicLink(link));
        Command env = kata("env", "--json");
        assertEquals(0, env.exitCode(), env.toString());
        String hypervisor = chosen.equals("configuration-builtin.toml") ? "builtin" : "qemu";
        assertTrue(new ObjectMapper().readTree(env.stdout()).toString().toLowerCase().contains(hypervisor),
                "env shows the chosen hypervisor: " + env.stdout());
    }

    @Test
    void defaultConfigPathsIncludeKatasAndTheInstallsOwn() throws Exception {
        Command paths = kata("--show-default-config-paths");
        assertEquals(0, paths.exitCode(), paths.toString());
        List<String> lines = paths.stdout().lines().toList();
        assertEquals("/etc/kata-containers/configuration.toml", lines.get(0), paths.toString());
        assertEquals("/usr/share/defaults/kata-containers/configuration.toml", lines.get(1), paths.toString());
        assertTrue(lines.contains(dist.resolve("share/defaults/kata-containers/configuration.toml").toString()),
                paths.toString());
    }

    @Test
    void installCopiesTheTreeWithConfigurationsPointingAtThePrefix() throws Exception {
        Path prefix = work.resolve("opt/kata");
        Path script = dist.resolveSibling("packaging/scripts/install.sh");
        Command install = Command.run(work, Map.of(), false, TIMEOUT,
                List.of(script.toString(), dist.toString(), prefix.toString()));
        assertEquals(0, install.exitCode(), install.toString());
        String config = Files.readString(prefix.resolve("share/defaults/kata-containers/configuration.toml"));
        assertFalse(config.contains("@PREFIX@"), config);
        assertTrue(config.contains(prefix.resolve("share/kata-containers").toString()), config);
        Command env = runIn(prefix.resolve("bin/kata-runtime"), "env", "--json");
        assertEquals(0, env.exitCode(), env.toString());
        assertEquals("", env.stderr(), "the installed tree has its own AOT cache and no complaint");
        assertTrue(Files.isRegularFile(prefix.resolve("lib/kata-java/kata.aot")));
        assertTrue(Files.isRegularFile(prefix.resolve("lib/kata-java/kata-shim.aot")), "the shim's own AOT cache");
        assertTrue(env.stdout().contains(prefix.resolve("share/defaults/kata-containers").toString()), env.toString());
    }

    @Test
    void shimStartWithoutContainerdsFlagsSaysWhatIsMissing() throws Exception {
        Command shim = runIn(dist.resolve("bin/containerd-shim-kata-v2"), "start");
        assertEquals(1, shim.exitCode(), shim.toString());
        assertTrue(shim.stderr().contains("-namespace"), shim.toString());
        Command help = runIn(dist.resolve("bin/containerd-shim-kata-v2"), "--help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.stdout().contains("start") && help.stdout().contains("delete"), help.toString());
    }

    /** kata-monitor takes Kata's flags and refuses a listen address it cannot use, saying what it wants. */
    @Test
    void kataMonitorHasKatasFlags() throws Exception {
        Command help = runIn(dist.resolve("bin/kata-monitor"), "--help");
        assertEquals(0, help.exitCode(), help.toString());
        assertTrue(help.stdout().contains("--listen-address") && help.stdout().contains("127.0.0.1:8090")
                && help.stdout().contains("--log-level"), help.toString());
        Command bad = runIn(dist.resolve("bin/kata-monitor"), "--listen-address", "nonsense");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("HOST:PORT"), bad.toString());
    }

    private static Stream<String> cpuFlags() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("flags"))
                .findFirst()
                .map(line -> Stream.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+")))
                .orElseGet(Stream::empty);
    }
}
