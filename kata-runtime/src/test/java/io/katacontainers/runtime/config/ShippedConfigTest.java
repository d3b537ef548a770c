package io.katacontainers.runtime.config;

import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.ImplementedKeys;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configuration files in packaging/config load without errors or warnings once installed. */
class ShippedConfigTest {

    /** Surefire runs in the module directory; the packaging tree is its sibling. */
    private static final Path SHIPPED = Path.of("").toAbsolutePath().getParent().resolve("packaging/config");
    private static final String PREFIX = "/opt/kata-java";

    @TempDir
    Path dir;

    @Test
    void qemu() throws Exception {
        QemuConfig qemu = assertInstanceOf(QemuConfig.class, load("configuration-qemu.toml").hypervisor());
        assertEquals(PREFIX + "/share/kata-containers/vmlinux.container", qemu.kernel());
        assertEquals(PREFIX + "/share/kata-containers/kata-containers-initrd.img", qemu.initrd());
        assertEquals("/usr/lib/qemu/virtiofsd", qemu.virtioFsDaemon());
    }

    @Test
    void builtin() throws Exception {
        KataConfig config = load("configuration-builtin.toml");
        BuiltinConfig builtin = assertInstanceOf(BuiltinConfig.class, config.hypervisor());
        assertEquals("virtio-mmio", builtin.blockDeviceDriver());
        assertEquals(PREFIX + "/share/kata-containers/kata-containers-initrd.img", builtin.initrd());
    }

    /**
     * The shipped files hold exactly the implemented keys: none that would change nothing, and every one that
     * does, so that each is documented where users look.
     */
    @Test
    void shippedKeysAreTheImplementedOnes() throws Exception {
        for (String name : List.of("configuration-qemu.toml", "configuration-builtin.toml")) {
            TomlParseResult toml = Toml.parse(install(name));
            assertFalse(toml.hasErrors(), name + ": " + toml.errors());
            Set<String> tables = new TreeSet<>();
            for (String table : toml.dottedKeySet(true)) {
                if (toml.isTable(table) && toml.getTable(table).keySet().stream()
                        .anyMatch(key -> !toml.getTable(table).isTable(key))) {
                    tables.add(table);
                }
            }
            Set<String> expectedTables = new TreeSet<>(Set.of("agent.kata", "runtime",
                    name.contains("qemu") ? "hypervisor.qemu" : "hypervisor.builtin"));
            assertEquals(expectedTables, tables, name + ": its tables");
            for (String table : tables) {
                Set<String> shipped = new TreeSet<>(toml.getTable(table).keySet());
                assertEquals(new TreeSet<>(ImplementedKeys.of(table)), shipped, name + " [" + table + "]: the keys "
                        + "shipped must be the implemented ones");
            }
        }
    }

    /** Installs one shipped file as the packaging step does (substituting @PREFIX@) and loads it. */
    private KataConfig load(String name) throws Exception {
        Path installed = install(name);
        KataConfig config = ConfigLoader.load(installed);
        assertTrue(config.warnings().isEmpty(), name + ": " + config.warnings());
        return config;
    }

    private Path install(String name) throws IOException {
        String text = Files.readString(SHIPPED.resolve(name)).replace("@PREFIX@", PREFIX);
        assertFalse(text.lines().filter(line -> !line.startsWith("#")).anyMatch(line -> line.contains("@")),
                name + " has a placeholder other than @PREFIX@");
        Path target = dir.resolve(name.replace(".toml", "")).resolve("configuration.toml");
        Files.createDirectories(target.getParent());
        return Files.writeString(target, text);
    }
}
