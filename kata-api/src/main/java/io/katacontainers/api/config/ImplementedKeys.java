package io.katacontainers.api.config;

import java.util.Map;
import java.util.Set;

/**
 * The keys that change what this runtime does, per table. Every other key of {@link ConfigSchema} is accepted (a
 * Kata file loads unchanged) but reported when set to a value other than its default: {@code not supported by this
 * runtime: KEY}, a warning, or an error when loading strictly. The shipped configurations hold only these keys.
 */
public final class ImplementedKeys {
    /** Keys both hypervisor tables implement: the VM's kernel, initrd, size and virtio-fs daemon. */
    private static final Set<String> HYPERVISOR = Set.of("kernel", "initrd", "kernel_params", "default_vcpus",
            "default_memory", "virtio_fs_daemon", "virtio_fs_cache", "virtio_fs_extra_args", "enable_debug",
            // Pod annotations (io.katacontainers.config.hypervisor.*): which keys, which daemon paths.
            "enable_annotations", "valid_virtio_fs_daemon_paths");

    private static final Map<String, Set<String>> BY_SECTION = Map.of(
            ConfigSchema.QEMU.name(), union(HYPERVISOR, Set.of("path", "machine_type", "valid_hypervisor_paths",
                    "seccompsandbox", "reclaim_guest_freed_memory")),
            ConfigSchema.BUILTIN.name(), union(HYPERVISOR, Set.of("disable_seccomp")),
            ConfigSchema.AGENT.name(), Set.of("dial_timeout", "enable_debug", "debug_console_enabled"),
            ConfigSchema.RUNTIME.name(), Set.of("hypervisor_name", "internetworking_model",
                    "sandbox_bind_mounts", "disable_guest_empty_dir", "sandbox_cgroup_only",
                    "static_sandbox_resource_mgmt"),
            ConfigSchema.FACTORY.name(), Set.of("enable_template", "template_path"));

    private ImplementedKeys() {
    }

    /** Whether {@code key} of the table {@code section} (e.g. {@code hypervisor.qemu}) has an effect. */
    public static boolean implemented(String section, String key) {
        return BY_SECTION.getOrDefault(section, Set.of()).contains(key);
    }

    /** The implemented keys of a table; empty for a table this runtime does not have. */
    public static Set<String> of(String section) {
        return BY_SECTION.getOrDefault(section, Set.of());
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        var all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
