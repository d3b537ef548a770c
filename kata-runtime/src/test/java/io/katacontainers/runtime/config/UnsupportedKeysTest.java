package io.katacontainers.runtime.config;

import io.katacontainers.api.config.ConfigIssue;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A key this runtime accepts but does not implement: silent at its default, reported otherwise. */
class UnsupportedKeysTest {
    @TempDir
    Path dir;

    private Path file(String text) throws Exception {
        return Files.writeString(dir.resolve("configuration.toml"), text);
    }

    @Test
    void aNonDefaultValueIsAWarningNamingTheKey() throws Exception {
        Path config = file("""
                [hypervisor.qemu]
                default_memory = 1024
                enable_hugepages = true
                memory_slots = 10
                [runtime]
                enable_pprof = true
                """);
        KataConfig loaded = ConfigLoader.load(config);
        assertEquals(2, loaded.warnings().size(), loaded.warnings().toString());
        ConfigIssue hugepages = loaded.warnings().get(0);
        assertTrue(hugepages.toString().contains("not supported by this runtime: enable_hugepages"), hugepages
                .toString());
        assertEquals(3, hugepages.line(), hugepages.toString());
        assertTrue(loaded.warnings().get(1).toString().contains("not supported by this runtime: enable_pprof"));
        assertEquals(1024, loaded.hypervisor().defaultMemory(), "an implemented key still applies");
    }

    @Test
    void strictLoadingRefusesThem() throws Exception {
        Path config = file("""
                [hypervisor.qemu]
                enable_hugepages = true
                [agent.kata]
                kernel_modules = ["e1000e"]
                """);
        ConfigException refused = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(config, ConfigLoader.Strictness.STRICT));
        assertTrue(refused.getMessage().contains("not supported by this runtime: enable_hugepages"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("not supported by this runtime: kernel_modules"),
                refused.getMessage());
    }

    @Test
    void defaultsAndImplementedKeysAreSilentEvenWhenStrict() throws Exception {
        Path config = file("""
                [hypervisor.qemu]
                enable_hugepages = false
                machine_type = "microvm"
                default_vcpus = 2
                [agent.kata]
                dial_timeout = 90
                """);
        KataConfig loaded = ConfigLoader.load(config, ConfigLoader.Strictness.STRICT);
        assertEquals(0, loaded.warnings().size(), loaded.warnings().toString());
        assertEquals(90, loaded.agent().dialTimeout());
    }

    /**
     * vhost-net needs the tap as the NIC's direct peer, but QEMU gets the tap over QMP onto a hub; and the VMM
     * always stays in the runtime's network namespace: both keys are reported, an error when strict.
     */
    @Test
    void theNetworkKeysThatHaveNoEffectAreReported() throws Exception {
        Path config = file("""
                [hypervisor.qemu]
                disable_vhost_net = true
                [runtime]
                internetworking_model = "none"
                disable_new_netns = true
                """);
        KataConfig loaded = ConfigLoader.load(config);
        assertEquals(2, loaded.warnings().size(), loaded.warnings().toString());
        assertTrue(loaded.warnings().get(0).toString().contains("not supported by this runtime: disable_vhost_net"),
                loaded.warnings().toString());
        assertTrue(loaded.warnings().get(1).toString().contains("not supported by this runtime: disable_new_netns"),
                loaded.warnings().toString());
        ConfigException refused = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(config, ConfigLoader.Strictness.STRICT));
        assertTrue(refused.getMessage().contains("disable_vhost_net")
                && refused.getMessage().contains("disable_new_netns"), refused.getMessage());
    }

    /**
     * reclaim_guest_freed_memory is QEMU's virtio-balloon with free page reporting; the built-in VMM has no balloon,
     * so there the key is reported (an error when strict) instead of silently doing nothing.
     */
    @Test
    void reclaimGuestFreedMemoryIsQemusAndRefusedForTheBuiltinVmm() throws Exception {
        KataConfig qemu = ConfigLoader.load(file("""
                [hypervisor.qemu]
                reclaim_guest_freed_memory = true
                """), ConfigLoader.Strictness.STRICT);
        assertEquals(0, qemu.warnings().size(), qemu.warnings().toString());
        assertTrue(((QemuConfig) qemu.hypervisor()).reclaimGuestFreedMemory());
        Path builtin = file("""
                [hypervisor.builtin]
                reclaim_guest_freed_memory = true
                """);
        KataConfig loaded = ConfigLoader.load(builtin);
        assertEquals(1, loaded.warnings().size(), loaded.warnings().toString());
        assertTrue(loaded.warnings().get(0).toString()
                .contains("not supported by this runtime: reclaim_guest_freed_memory"), loaded.warnings().toString());
        ConfigException refused = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(builtin, ConfigLoader.Strictness.STRICT));
        assertTrue(refused.getMessage().contains("reclaim_guest_freed_memory"), refused.getMessage());
    }
}
