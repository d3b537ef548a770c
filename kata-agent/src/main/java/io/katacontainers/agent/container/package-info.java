/**
 * Containers and their life cycle: {@link io.katacontainers.agent.container.GuestSandbox} holds the sandbox's
 * containers, bundles are laid out in the agent's state directory, and the OCI runtime (crun in the guest, runc in
 * host tests) creates, starts, signals and deletes them.
 */
package io.katacontainers.agent.container;
