/**
 * The hypervisor driver SPI: a {@link io.katacontainers.api.hypervisor.HypervisorDriver} (found by
 * {@link java.util.ServiceLoader}, named after its {@code [hypervisor.<name>]} section) describes what the host
 * offers and creates a {@link io.katacontainers.api.hypervisor.Hypervisor}, one VM described by a
 * {@link io.katacontainers.api.hypervisor.VmSpec}, which gets its devices (sealed
 * {@link io.katacontainers.api.hypervisor.Device}: shared fs, vsock, network, block) one call at a time; the VM
 * gives the runtime its {@link io.katacontainers.api.hypervisor.AgentEndpoint} and reports its
 * {@link io.katacontainers.api.hypervisor.VmState}. Failures are
 * {@link io.katacontainers.api.hypervisor.HypervisorException}s; a device the driver cannot provide (at all, or
 * after start) is an {@link io.katacontainers.api.hypervisor.UnsupportedDeviceException} naming the device and
 * the driver. VM templates (Kata's factory) are optional: a driver that can make them says so through
 * {@code HypervisorDriver.templateUnsupported} (empty), makes one with {@code createTemplate} +
 * {@code Hypervisor.saveTemplate} and starts clones with {@code createFromTemplate}.
 */
package io.katacontainers.api.hypervisor;
