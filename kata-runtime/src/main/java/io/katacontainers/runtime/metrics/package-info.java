/**
 * Metrics on the host: the shim's endpoint ({@code shim-monitor.sock} in the sandbox directory, HTTP {@code /metrics}
 * and {@code /agent-url} as in Kata) with the shim's, the VMM's and the agent's families, the task RPC timings, and
 * the small HTTP/1.1 server and client both the shim and {@code kata-monitor} use.
 */
package io.katacontainers.runtime.metrics;
