/**
 * Finding and loading {@code configuration.toml} as Kata does: {@link io.katacontainers.runtime.config.ConfigLookup}
 * picks the file (explicit path, {@code KATA_CONF_FILE}, then the default paths), and
 * {@link io.katacontainers.runtime.config.ConfigLoader} parses it with tomlj, applies the {@code config.d/} fragments,
 * checks every key against {@link io.katacontainers.api.config.ConfigSchema} and returns a
 * {@link io.katacontainers.api.config.KataConfig}, or throws a
 * {@link io.katacontainers.runtime.config.ConfigException} naming file, line and key.
 */
package io.katacontainers.runtime.config;
