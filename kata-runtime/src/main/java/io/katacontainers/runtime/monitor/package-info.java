/**
 * {@code kata-monitor}: finds the running sandboxes' shims (their {@code shim-monitor.sock} under
 * {@code /run/vc/sbs}) at each request and serves their metrics as one Prometheus target, with its own
 * {@code kata_monitor_*} families, the sandbox list and each sandbox's agent URL.
 */
package io.katacontainers.runtime.monitor;
