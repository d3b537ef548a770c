package io.katacontainers.runtime.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a {@code kata-runtime} sub-command needs from the top-level command to find the configuration: the global
 * {@code --config} option. The top-level command implements this and hands itself to the sub-commands it creates.
 */
@FunctionalInterface
public interface ConfigSource {

    /** The path given with {@code --config} (alias {@code --kata-config}), if any. */
    Optional<Path> configOption();

    /** How to find the file: {@code --config}, then {@code KATA_CONF_FILE}, then the default paths. */
    default ConfigLookup lookup() {
        return ConfigLookup.forCli(configOption());
    }

    /** How keys this runtime does not implement are treated when set (kata-runtime's {@code --strict}). */
    default ConfigLoader.Strictness strictness() {
        return ConfigLoader.Strictness.WARN;
    }
}
