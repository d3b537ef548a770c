/**
 * Metrics from {@code /proc} in Kata's names, shared by the shim (its own process, the VMM's) and the agent (its
 * process, the guest's memory, load, CPU, disks and network): Prometheus snapshots, written in its text format.
 */
package io.katacontainers.api.metrics;
