/**
 * One sandbox on the host: {@code Sandbox} owns the VM, the agent connection, the shared directory and its
 * resource ledger, and creates, starts and removes containers in the guest; {@code SandboxHolder} is the detached
 * process that keeps a sandbox of the runc-like commands alive and forwards their agent calls over
 * {@code control.sock}; {@code SandboxCleanup} removes what a crashed sandbox left (processes, mounts, the state
 * directory) from its persisted state; {@code VmSpecs} turns the configuration into the driver's VM description.
 */
package io.katacontainers.runtime.sandbox;
