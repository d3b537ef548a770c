package io.katacontainers.api.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A loaded configuration: the file it came from, the drop-in fragments applied over it, the effective value of every
 * section, and what the loader warned about.
 *
 * @param file       the configuration file in use, symbolic links resolved (its {@code config.d/} is beside it)
 * @param fragments  the {@code config.d/*.toml} fragments applied, in the order they were applied
 * @param hypervisor the selected {@code [hypervisor.*]} section
 * @param agent      {@code [agent.kata]}
 * @param runtime    {@code [runtime]}
 * @param factory    {@code [factory]}
 * @param warnings   keys and tables that were ignored, with where they were found
 */
public record KataConfig(Path file, List<Path> fragments, HypervisorConfig hypervisor, AgentConfig agent,
                         RuntimeConfig runtime, FactoryConfig factory, List<ConfigIssue> warnings) {

    public KataConfig {
        Objects.requireNonNull(file, "file");
        fragments = List.copyOf(fragments);
        Objects.requireNonNull(hypervisor, "hypervisor");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(factory, "factory");
        warnings = List.copyOf(warnings);
    }

    /**
     * The effective settings laid out as in the file, under the file's key names: {@code hypervisor -> qemu ->
     * default_memory -> 2048}, then {@code factory}, {@code agent -> kata} and {@code runtime}, in the order of
     * Kata's configuration files.
     */
    public Map<String, Object> settings() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("hypervisor", Map.of(hypervisor.hypervisorName(), hypervisorSettings()));
        out.put("factory", ConfigSchema.FACTORY.settings(factory));
        out.put("agent", Map.of(ConfigSchema.AGENT_NAME, ConfigSchema.AGENT.settings(agent)));
        out.put("runtime", ConfigSchema.RUNTIME.settings(runtime));
        return Collections.unmodifiableMap(out);
    }

    private Map<String, Object> hypervisorSettings() {
        return switch (hypervisor) {
            case QemuConfig qemu -> ConfigSchema.QEMU.settings(qemu);
            case BuiltinConfig builtin -> ConfigSchema.BUILTIN.settings(builtin);
        };
    }
}
