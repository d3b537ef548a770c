package io.katacontainers.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The JVM launch line has one source, packaging/jvm ({@code base.args} for every program, {@code guest.args} added
 * in the guest): the host tools' launcher, the guest's /init and build-initrd.sh, the benchmarks' scripts and the
 * tests that start an agent all read those files, and the built tree carries them unchanged. Fails when an option
 * of those files is written again anywhere else, or when the built tree's copy differs.
 */
class JvmOptionsTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path OPTIONS = REPO.resolve("packaging/jvm");
    /** Where JVM launch lines are written: scripts and every module's sources (build outputs excluded). */
    private static final List<String> PLACES = List.of("packaging/launcher", "packaging/guest", "packaging/scripts",
            "packaging/src", "benchmarks/scripts", "benchmarks/src", "kata-agent/src", "kata-runtime/src",
            "kata-api/src", "kata-hypervisor-kvm/src", "kata-hypervisor-qemu/src", "Makefile");
    /** Module access differs per launch (class path, test module names): not one of the shared tuning options. */
    private static final String MODULE_ACCESS = "--enable-native-access";
    /** Deliberate additions, each with its reason in the file: file → option name. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "benchmarks/src/main/java/io/katacontainers/benchmarks/agent/HostAgent.java", Set.of("-Xmx"),
            // The agent's AOT training run adds diagnostic options of its own (no machine code in the cache).
            "packaging/guest/initrd/build-initrd.sh", Set.of("-XX:+UnlockDiagnosticVMOptions"));

    private static List<String> options(String file) throws IOException {
        return Files.readAllLines(OPTIONS.resolve(file)).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }

    /** An option's name without its value: -XX:TieredStopAtLevel, -XX:+UseSerialGC, -Xmx. */
    private static String name(String option) {
        if (option.startsWith("-XX:")) {
            int equals = option.indexOf('=');
            return equals < 0 ? option : option.substring(0, equals);
        }
        return option.matches("-X(ms|mx|ss)\\d+[kmg]?") ? option.substring(0, 4) : option;
    }

    @Test
    void noOptionOfTheOneSourceIsWrittenAnywhereElse() throws IOException {
        List<String> names = new ArrayList<>();
        for (String file : List.of("base.args", "guest.args")) {
            options(file).stream().filter(option -> !option.startsWith(MODULE_ACCESS)).map(JvmOptionsTest::name)
                    .forEach(names::add);
        }
        assertTrue(names.contains("-XX:+UseSerialGC") && names.contains("-Xmx"), "the option files parse: " + names);
        List<String> copies = new ArrayList<>();
        for (String place : PLACES) {
            try (Stream<Path> files = Files.walk(REPO.resolve(place))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String relative = REPO.relativize(file).toString();
                    String text = Files.readString(file);
                    for (String option : names) {
                        boolean allowed = ALLOWED.getOrDefault(relative, Set.of()).contains(option);
                        if (!allowed && !file.equals(self()) && text.contains(option)) {
                            copies.add(relative + ": " + option);
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), copies, "JVM options written outside packaging/jvm: read base.args/guest.args "
                + "(java @FILE) instead");
    }

    private static Path self() {
        return REPO.resolve("packaging/src/test/java/io/katacontainers/packaging/JvmOptionsTest.java");
    }

    @Test
    void everyLaunchReadsTheOneSource() throws IOException {
        assertTrue(Files.readString(REPO.resolve("packaging/launcher/kata-launcher")).contains("\"@$lib/jvm.args\""));
        assertTrue(Files.readString(REPO.resolve("packaging/scripts/build-dist.sh"))
                .contains("\"$packaging/jvm/base.args\" \"$lib/jvm.args\""));
        String initrd = Files.readString(REPO.resolve("packaging/guest/initrd/build-initrd.sh"));
        assertTrue(initrd.contains("jvm/base.args") && initrd.contains("jvm/guest.args"), "build-initrd.sh");
        assertTrue(Files.readString(REPO.resolve("packaging/guest/initrd/init")).contains("\"@$agent/jvm.args\""));
        assertTrue(Files.readString(REPO.resolve("benchmarks/scripts/vmm-exit-cost.sh")).contains("@$lib/jvm.args"));
    }

    @Test
    void theBuiltTreeCarriesTheOptionsUnchanged() throws IOException {
        Path dist = Path.of(System.getProperty("kata.dist", "../build")).toAbsolutePath().normalize();
        Path installed = dist.resolve("lib/kata-java/jvm.args");
        assertTrue(Files.isRegularFile(installed), "no " + installed + ": the package phase builds the tree");
        assertEquals(Files.readString(OPTIONS.resolve("base.args")), Files.readString(installed));
        assertEquals(Files.readString(REPO.resolve("packaging/launcher/kata-launcher")),
                Files.readString(dist.resolve("bin/kata-runtime")), "the installed launcher reads jvm.args");
    }
}
