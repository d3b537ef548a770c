/**
 * The machine-wide effects of the agent's requests behind {@link io.katacontainers.agent.system.AgentPlatform}: in
 * the guest they change the VM (hostname, DNS, clock, power), on a host (tests) they do not; and what the agent
 * reads from the system (memory, network statistics).
 */
package io.katacontainers.agent.system;
