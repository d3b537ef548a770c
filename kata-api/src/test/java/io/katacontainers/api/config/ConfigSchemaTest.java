package io.katacontainers.api.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigSchemaTest {

    @Test
    void everySectionMatchesItsRecordAndBuildsItsDefaults() {
        // Section's constructor checks keys against record components; touching the schema runs those checks.
        for (Section<?> section : List.of(ConfigSchema.QEMU, ConfigSchema.BUILTIN, ConfigSchema.AGENT,
                ConfigSchema.RUNTIME, ConfigSchema.FACTORY)) {
            Object defaults = section.defaults();
            assertEquals(defaults, section.build(Map.of()), section.toString());
        }
        assertEquals(QemuConfig.defaults(), ConfigSchema.QEMU.defaults());
        assertEquals(75, ConfigSchema.QEMU.keys().size());
        assertEquals(31, ConfigSchema.BUILTIN.keys().size());
    }

    @Test
    void builtValuesLandInTheirOwnComponents() {
        QemuConfig qemu = ConfigSchema.QEMU.build(Map.of("default_memory", 1024, "msize_9p", 4096,
                "default_vcpus", 2.5));
        assertEquals(1024, qemu.defaultMemory());
        assertEquals(4096, qemu.msize9p());
        assertEquals(2.5, qemu.defaultVcpus());
        assertEquals(2048, QemuConfig.defaults().defaultMemory());
        assertEquals(1024, ConfigSchema.QEMU.settings(qemu).get("default_memory"));
    }

    @Test
    void buildRejectsUnknownKeysWrongTypesAndInvalidValues() {
        assertThrows(IllegalArgumentException.class, () -> ConfigSchema.AGENT.build(Map.of("nope", true)));
        assertThrows(ClassCastException.class, () -> ConfigSchema.AGENT.build(Map.of("dial_timeout", "45")));
        IllegalArgumentException invalid = assertThrows(IllegalArgumentException.class,
                () -> ConfigSchema.QEMU.build(Map.of("default_memory", 100)));
        assertEquals("[hypervisor.qemu] default_memory: 100 is below the minimum of 256 MiB", invalid.getMessage());
    }

    @Test
    void keyNamesMapToComponentNames() {
        assertEquals("msize9p", ConfigSchema.QEMU.key("msize_9p").orElseThrow().componentName());
        assertEquals("defaultMaxvcpus", ConfigSchema.QEMU.key("default_maxvcpus").orElseThrow().componentName());
        assertEquals("seccompsandbox", ConfigSchema.QEMU.key("seccompsandbox").orElseThrow().componentName());
    }

    @Test
    void sectionsThatShareAKeyCanDifferInDefaultAndAllowedValues() {
        assertEquals("virtio-scsi", QemuConfig.defaults().blockDeviceDriver());
        assertEquals("virtio-mmio", BuiltinConfig.defaults().blockDeviceDriver());
        Key<?> builtinSharedFs = ConfigSchema.BUILTIN.key("shared_fs").orElseThrow();
        assertTrue(check(builtinSharedFs, "virtio-9p").isPresent());
        assertTrue(check(ConfigSchema.QEMU.key("shared_fs").orElseThrow(), "virtio-9p").isEmpty());
    }

    @Test
    void bothHypervisorsTakeTheCacheModesTheCVirtiofsdHas() {
        assertEquals("never", ConfigSchema.QEMU.build(Map.of("virtio_fs_cache", "never")).virtioFsCache());
        assertEquals("always", ConfigSchema.BUILTIN.build(Map.of("virtio_fs_cache", "always")).virtioFsCache());
        for (Section<?> section : List.of(ConfigSchema.QEMU, ConfigSchema.BUILTIN)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> section.build(Map.of("virtio_fs_cache", "metadata")));
            assertTrue(e.getMessage().startsWith(section + " virtio_fs_cache: \"metadata\" needs the Rust virtiofsd"),
                    e.getMessage());
        }
    }

    @Test
    void validatorsExplainTheProblem() {
        assertEquals(Optional.of("100 is below the minimum of 256 MiB"),
                Validator.atLeast(256, " MiB").problem(100));
        assertEquals(Optional.of("\"x\" is not one of \"a\", \"b\""), Validator.oneOf("a", "b").problem("x"));
        assertEquals(Optional.of("\"rel/path\" is not an absolute path"),
                Validator.absolutePathOrEmpty().problem("rel/path"));
        assertEquals(Optional.of("must not be empty"), Validator.absolutePath().problem(""));
        assertEquals(Optional.of("1000 is not 0 or a power of 2 between 512 and 65536"),
                Validator.sectorSize().problem(1000));
        assertTrue(Validator.sectorSize().problem(4096).isEmpty());
        assertTrue(Validator.each(Validator.regex()).problem(List.of("ok.*", "(")).orElseThrow()
                .startsWith("entry 1: \"(\" is not a valid regular expression"));
        assertEquals(Optional.of("-1 is negative; expected 0 or more"), Validator.nonNegative().problem(-1));
    }

    @Test
    void aKeyWhoseDefaultFailsItsOwnValidatorIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Key.integer("x", 1, Validator.atLeast(2, "")));
        assertThrows(ClassCastException.class, () -> new Key<>("x", Key.Kind.INTEGER, "1", Validator.any()));
    }

    @Test
    void vcpusFollowKatasRules() {
        assertEquals(1, withVcpus(0, 0).vcpus(8));
        assertEquals(8, withVcpus(-1, 0).vcpus(8));
        assertEquals(8, withVcpus(12, 0).vcpus(8));
        assertEquals(1, withVcpus(0.5, 0).vcpus(8));
        assertEquals(3, withVcpus(2.2, 0).vcpus(8));
        assertEquals(8, withVcpus(1, 0).maxVcpus(8));
        assertEquals(8, withVcpus(1, 9).maxVcpus(8));
        assertEquals(4, withVcpus(1, 4).maxVcpus(8));
    }

    @Test
    void settingsAreLaidOutLikeTheFile() {
        KataConfig config = new KataConfig(Path.of("/etc/kata-containers/configuration.toml"), List.of(),
                BuiltinConfig.defaults(), AgentConfig.defaults(), RuntimeConfig.defaults(),
                FactoryConfig.defaults(), List.of());
        Map<String, Object> settings = config.settings();
        assertEquals(List.of("hypervisor", "factory", "agent", "runtime"), List.copyOf(settings.keySet()));
        Map<?, ?> builtin = (Map<?, ?>) ((Map<?, ?>) settings.get("hypervisor")).get("builtin");
        assertEquals(2048, builtin.get("default_memory"));
        assertEquals(45, ((Map<?, ?>) ((Map<?, ?>) settings.get("agent")).get("kata")).get("dial_timeout"));
    }

    @Test
    void issuesPrintLikeCompilerMessages() {
        Path file = Path.of("/etc/kata-containers/configuration.toml");
        assertEquals("/etc/kata-containers/configuration.toml:12: bad",
                new ConfigIssue(file, 12, "bad").toString());
        assertEquals("/etc/kata-containers/configuration.toml: bad", new ConfigIssue(file, 0, "bad").toString());
    }

    private static HypervisorConfig withVcpus(double vcpus, int maxVcpus) {
        return ConfigSchema.BUILTIN.build(Map.of("default_vcpus", vcpus, "default_maxvcpus", maxVcpus));
    }

    private static <T> Optional<String> check(Key<T> key, Object value) {
        return key.check(key.cast(value));
    }
}
