package io.katacontainers.api.config;

import java.util.List;
import java.util.Objects;

/**
 * {@code [agent.kata]}: the agent inside the guest.
 *
 * @param enableDebug {@code enable_debug}: Agent debug-level logging.
 * @param enableTracing {@code enable_tracing}: Agent OpenTelemetry tracing.
 * @param kernelModules {@code kernel_modules}: Guest kernel modules to load, each "name param=value ...".
 * @param debugConsoleEnabled {@code debug_console_enabled}: Guest debug console (a shell on vsock port 1026),
 *       reachable with {@code kata-runtime debug-console SANDBOX}.
 * @param dialTimeout {@code dial_timeout}: Seconds to wait for the agent to answer after boot.
 * @param cdhApiTimeout {@code cdh_api_timeout}: Confidential Data Hub API timeout, seconds.
 */
public record AgentConfig(
        boolean enableDebug,
        boolean enableTracing,
        List<String> kernelModules,
        boolean debugConsoleEnabled,
        int dialTimeout,
        int cdhApiTimeout) {

    public AgentConfig {
        kernelModules = List.copyOf(Objects.requireNonNull(kernelModules, "kernel_modules"));
    }

    /** Every key at its default, as for an absent or empty {@code [agent.kata]} table. */
    public static AgentConfig defaults() {
        return ConfigSchema.AGENT.defaults();
    }
}
