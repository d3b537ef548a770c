package io.katacontainers.runtime.config;

import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        assertTrue(config.runtime().staticSandboxResourceMgmt(), "the built-in VMM has no hotplug");
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
