package io.katacontainers.runtime.config;

import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kata's io.katacontainers.config.* annotations: allowed ones apply, refused ones name themselves. */
class SandboxAnnotationsTest {
    private static final String HV = SandboxAnnotations.PREFIX + "hypervisor.";

    @TempDir
    Path dir;

    private KataConfig config() throws Exception {
        return ConfigLoader.load(Files.writeString(dir.resolve("configuration.toml"), """
                [hypervisor.qemu]
                enable_annotations = ["default_memory", "kernel_params", "path", "virtio_fs_.*"]
                valid_hypervisor_paths = ["/usr/bin/qemu-system-*"]
                valid_virtio_fs_daemon_paths = ["/usr/lib/qemu/virtiofsd"]
                """));
    }

    @Test
    void allowedAnnotationsApply() throws Exception {
        KataConfig applied = SandboxAnnotations.apply(config(), Map.of(
                HV + "default_memory", "1024",
                HV + "path", "/usr/bin/qemu-system-aarch64",
                SandboxAnnotations.PREFIX + "agent.dial_timeout", "7",
                "io.kubernetes.cri.sandbox-id", "ignored: not ours"));
        QemuConfig qemu = assertInstanceOf(QemuConfig.class, applied.hypervisor());
        assertEquals(1024, qemu.defaultMemory());
        assertEquals("/usr/bin/qemu-system-aarch64", qemu.path());
        assertEquals(7, applied.agent().dialTimeout());
        assertEquals(List.of("default_memory", "kernel_params", "path", "virtio_fs_.*"), qemu.enableAnnotations());
    }

    @Test
    void noAnnotationLeavesTheConfigurationAsItIs() throws Exception {
        KataConfig config = config();
        assertSame(config, SandboxAnnotations.apply(config, Map.of("other", "x")));
    }

    @Test
    void refusedAnnotationsAreErrorsNamingThem() throws Exception {
        KataConfig config = config();
        assertRefused(config, HV + "path", "/tmp/evil-qemu", "is not in valid_hypervisor_paths");
        assertRefused(config, HV + "virtio_fs_daemon", "/tmp/evil-virtiofsd", "valid_virtio_fs_daemon_paths");
        assertRefused(config, HV + "kernel", "/tmp/vmlinux", "not enabled");
        assertRefused(config, HV + "default_memory", "12", "minimum of 256");
        assertRefused(config, HV + "default_memory", "lots", "cannot read");
        assertRefused(config, SandboxAnnotations.PREFIX + "runtime.enable_pprof", "true",
                "not supported by this runtime: enable_pprof");
        assertRefused(config, SandboxAnnotations.PREFIX + "nonsense.key", "1", "unknown annotation");
    }

    private static void assertRefused(KataConfig config, String name, String value, String why) {
        ConfigException refused = assertThrows(ConfigException.class,
                () -> SandboxAnnotations.apply(config, Map.of(name, value)));
        assertTrue(refused.getMessage().contains("annotation " + name + ": "), refused.getMessage());
        assertTrue(refused.getMessage().contains(why), refused.getMessage());
    }

    /** Untrusted annotation values: paths that climb out with '..', and sizes no VM of the host can have. */
    @Test
    void pathsWithDotDotAndSizesBeyondTheHostAreRefusedNamingTheAnnotation() throws Exception {
        KataConfig config = ConfigLoader.load(Files.writeString(dir.resolve("wide.toml"), """
                [hypervisor.qemu]
                enable_annotations = [".*"]
                valid_hypervisor_paths = ["/usr/bin/**"]
                valid_virtio_fs_daemon_paths = ["/usr/lib/**"]
                """));
        HostLimits host = new HostLimits(4, 8192);
        // The globs alone would let these through: '**' crosses the '..'.
        assertRefused(config, host, HV + "path", "/usr/bin/../../tmp/evil-qemu", "contains '..'");
        assertRefused(config, host, HV + "virtio_fs_daemon", "/usr/lib/../../tmp/evil", "contains '..'");
        assertRefused(config, host, HV + "kernel", "/usr/share/kata-containers/../../../tmp/vmlinux",
                "contains '..'");
        assertRefused(config, host, HV + "default_vcpus", "100000", "not between 0 and the host's 4 CPUs");
        assertRefused(config, host, HV + "default_vcpus", "-3", "not between 0");
        assertRefused(config, host, HV + "default_memory", "2147483647", "host's 8192 MiB");
        // At the host's size, it is taken.
        QemuConfig qemu = assertInstanceOf(QemuConfig.class, SandboxAnnotations.apply(config, Map.of(
                HV + "default_vcpus", "4", HV + "default_memory", "8192"), host).hypervisor());
        assertEquals(8192, qemu.defaultMemory());
    }

    private static void assertRefused(KataConfig config, HostLimits host, String name, String value, String why) {
        ConfigException refused = assertThrows(ConfigException.class,
                () -> SandboxAnnotations.apply(config, Map.of(name, value), host));
        assertTrue(refused.getMessage().contains("annotation " + name + ": "), refused.getMessage());
        assertTrue(refused.getMessage().contains(why), refused.getMessage());
    }

    @Test
    void aConfigPathAnnotationThatIsRelativeOrClimbsIsRefused() {
        for (String value : List.of("etc/kata/x.toml", "/etc/kata/../../tmp/evil.toml", "../evil.toml")) {
            ConfigException refused = assertThrows(ConfigException.class,
                    () -> SandboxAnnotations.configPath(Map.of(SandboxAnnotations.CONFIG_PATH, value)));
            assertTrue(refused.getMessage().contains("annotation " + SandboxAnnotations.CONFIG_PATH + ": " + value),
                    refused.getMessage());
        }
    }

    @Test
    void hostMemoryIsMemTotal() throws Exception {
        Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal:       16384000 kB\nMemFree: 1 kB\n");
        assertEquals(16000, HostLimits.memTotalMiB(meminfo));
        assertEquals(Long.MAX_VALUE, HostLimits.memTotalMiB(dir.resolve("missing")), "no ceiling when unreadable");
        assertThrows(IllegalArgumentException.class, () -> new HostLimits(0, 1));
    }

    @Test
    void configPathAnnotationNamesTheFile() throws Exception {
        assertEquals(Path.of("/etc/kata/special.toml"), SandboxAnnotations.configPath(
                Map.of(SandboxAnnotations.CONFIG_PATH, "/etc/kata/special.toml")).orElseThrow());
        assertTrue(SandboxAnnotations.configPath(Map.of()).isEmpty());
    }
}
