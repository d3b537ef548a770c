/**
 * The hypervisor driver SPI: a {@link io.katacontainers.api.hypervisor.HypervisorDriver} (found by
 * {@link java.util.ServiceLoader}, named after its {@code [hypervisor.<name>]} section) describes what the host
 * offers and creates a {@link io.katacontainers.api.hypervisor.Hypervisor}, one VM described by a
 * {@link io.katacontainers.api.hypervisor.VmSpec}; the VM gives the runtime its
 * {@link io.katacontainers.api.hypervisor.AgentEndpoint} and reports its
 * {@link io.katacontainers.api.hypervisor.VmState}. Failures are
 * {@link io.katacontainers.api.hypervisor.HypervisorException}s.
 */
package io.katacontainers.api.hypervisor;
