/**
 * The agent's container path in host mode (the agent in its own JVM with runc, driven over ttrpc) against
 * {@code runc run} of the same bundle.
 */
package io.katacontainers.benchmarks.agent;
