/**
 * What {@code kata-runtime env} reports besides the configuration: host facts, the hypervisor's version, the runtime's
 * version, and the report itself in Kata's layout ({@link io.katacontainers.runtime.config.env.EnvReport}) with its
 * TOML rendering.
 */
package io.katacontainers.runtime.config.env;
