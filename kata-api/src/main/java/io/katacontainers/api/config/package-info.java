/**
 * The configuration model: one record per section of Kata's {@code configuration.toml}
 * ({@link io.katacontainers.api.config.QemuConfig [hypervisor.qemu]},
 * {@link io.katacontainers.api.config.BuiltinConfig [hypervisor.builtin]},
 * {@link io.katacontainers.api.config.AgentConfig [agent.kata]},
 * {@link io.katacontainers.api.config.RuntimeConfig [runtime]},
 * {@link io.katacontainers.api.config.FactoryConfig [factory]}), gathered in
 * {@link io.katacontainers.api.config.KataConfig}.
 *
 * <p>{@link io.katacontainers.api.config.ConfigSchema} holds one table per section: every key with its TOML name,
 * type, default and validator. Loading, validation, defaults and {@code kata-runtime env} all read that table, so a
 * key is described in exactly one place. Record components are named after the keys (camelCase of the snake_case
 * name) and keep the values as written in the file; Kata's "0 means ..." conventions are resolved by the methods
 * that need them, e.g. {@link io.katacontainers.api.config.HypervisorConfig#vcpus(int)}.
 */
package io.katacontainers.api.config;
