package io.katacontainers.runtime.config.env;

import org.junit.jupiter.api.Test;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TomlWriterTest {

    @Test
    void writesKatasLayoutPlainKeysFirstThenIndentedSubTables() {
        Map<String, Object> security = new LinkedHashMap<>();
        security.put("Rootless", false);
        security.put("EnableAnnotations", List.of("enable_iommu"));
        Map<String, Object> hypervisor = new LinkedHashMap<>();
        hypervisor.put("SecurityInfo", security);
        hypervisor.put("Version", "QEMU \"7.2\"\nline two");
        hypervisor.put("Msize9p", 8192);
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("Meta", Map.of("Version", "1.0.27"));
        tree.put("Hypervisor", hypervisor);
        tree.put("Configuration", Map.of("hypervisor", Map.of("qemu", Map.of("default_vcpus", 1.0))));

        String toml = TomlWriter.write(tree);

        assertEquals("""
                [Meta]
                  Version = "1.0.27"

                [Hypervisor]
                  Version = "QEMU \\"7.2\\"\\nline two"
                  Msize9p = 8192
                  [Hypervisor.SecurityInfo]
                    Rootless = false
                    EnableAnnotations = ["enable_iommu"]

                [Configuration]
                  [Configuration.hypervisor]
                    [Configuration.hypervisor.qemu]
                      default_vcpus = 1.0
                """, toml);
        TomlParseResult parsed = Toml.parse(toml);
        assertTrue(parsed.errors().isEmpty(), parsed.errors().toString());
        assertEquals("QEMU \"7.2\"\nline two", parsed.getString("Hypervisor.Version"));
    }
}
