package io.katacontainers.packaging.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.katacontainers.packaging.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kata's {@code io.katacontainers.config.*} annotations through {@code kata-runtime run}: an allowed
 * {@code default_memory} changes the guest's memory; a {@code path} outside {@code valid_hypervisor_paths} and a key
 * not in {@code enable_annotations} are refused with the annotation named, and leave nothing behind.
 */
class AnnotationsEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    private static final String HV = "io.katacontainers.config.hypervisor.";

    @TempDir
    Path work;

    @BeforeAll
    static void locate() {
        Sandboxes.requireBuiltTree();
    }

    /** The shipped configuration with default_memory and path annotations enabled, and room for a slow boot. */
    private Path config() throws Exception {
        String shipped = Files.readString(Sandboxes.DIST.resolve("share/defaults/kata-containers/configuration.toml"));
        assertTrue(shipped.contains("\nenable_annotations = [\"kernel_params\"]\n"), "no enable_annotations to widen");
        return Files.writeString(work.resolve("configuration.toml"), shipped
                .replace("\nenable_annotations = [\"kernel_params\"]\n",
                        "\nenable_annotations = [\"kernel_params\", \"default_memory\", \"path\"]\n")
                .replaceFirst("\\ndial_timeout = \\d+\\n", "\ndial_timeout = 180\n"));
    }

    private Command run(Path config, String id, Map<String, String> annotations, String... command) throws Exception {
        Path dir = Files.createDirectories(work.resolve(id));
        Path bundle = Sandboxes.bundle(dir, command);
        ObjectMapper json = new ObjectMapper();
        ObjectNode spec = (ObjectNode) json.readTree(bundle.resolve("config.json").toFile());
        ObjectNode node = spec.putObject("annotations");
        annotations.forEach(node::put);
        json.writeValue(bundle.resolve("config.json").toFile(), spec);
        Command run = Command.run(work, Map.of(), false, TIMEOUT, List.of(
                Sandboxes.DIST.resolve("bin/kata-runtime").toString(), "--config", config.toString(), "run",
                "--bundle", bundle.toString(), id));
        Sandboxes.assertNothingLeft(id);
        return run;
    }

    @Test
    void allowedAnnotationsApplyAndRefusedOnesNameTheirKey() throws Exception {
        Path config = config();
        String suffix = UUID.randomUUID().toString().substring(0, 8);

        Command small = run(config, "obs12-ann-mem-" + suffix, Map.of(HV + "default_memory", "512"),
                "head", "-1", "/proc/meminfo");
        assertEquals(0, small.exitCode(), small.toString());
        Matcher total = Pattern.compile("MemTotal:\\s+(\\d+) kB").matcher(small.stdout());
        assertTrue(total.find(), small.toString());
        long kib = Long.parseLong(total.group(1));
        // The shipped default is 2048 MiB; the kernel keeps a few MiB of 512 for itself.
        assertTrue(kib > 400 * 1024 && kib <= 512 * 1024, "MemTotal " + kib + " kB with default_memory = 512");

        Command badPath = run(config, "obs12-ann-path-" + suffix, Map.of(HV + "path", "/tmp/obs12-not-qemu"), "true");
        assertEquals(1, badPath.exitCode(), badPath.toString());
        assertTrue(badPath.stderr().contains("annotation " + HV + "path")
                && badPath.stderr().contains("valid_hypervisor_paths"), badPath.toString());

        Command notEnabled = run(config, "obs12-ann-kernel-" + suffix, Map.of(HV + "kernel", "/tmp/obs12-vmlinux"),
                "true");
        assertEquals(1, notEnabled.exitCode(), notEnabled.toString());
        assertTrue(notEnabled.stderr().contains("annotation " + HV + "kernel")
                && notEnabled.stderr().contains("not enabled"), notEnabled.toString());
    }
}
