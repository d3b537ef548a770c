package io.katacontainers.api.config;

import java.util.Objects;

/**
 * {@code [factory]}: VM templating and the VM cache.
 *
 * @param enableTemplate {@code enable_template}: Clone new VMs from a template VM (needs initrd, not image).
 * @param templatePath {@code template_path}: Where the template VM is kept.
 * @param vmCacheNumber {@code vm_cache_number}: VMs kept ready by the VM cache; 0 disables it.
 * @param vmCacheEndpoint {@code vm_cache_endpoint}: Unix socket of the VM cache.
 */
public record FactoryConfig(
        boolean enableTemplate,
        String templatePath,
        int vmCacheNumber,
        String vmCacheEndpoint) {

    public FactoryConfig {
        Objects.requireNonNull(templatePath, "template_path");
        Objects.requireNonNull(vmCacheEndpoint, "vm_cache_endpoint");
    }

    /** Every key at its default, as for an absent or empty {@code [factory]} table. */
    public static FactoryConfig defaults() {
        return ConfigSchema.FACTORY.defaults();
    }
}
