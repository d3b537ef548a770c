/**
 * The built-in VMM ({@code [hypervisor.builtin]}): {@link io.katacontainers.hypervisor.kvm.BuiltinDriver} is found by
 * {@link java.util.ServiceLoader}, {@link io.katacontainers.hypervisor.kvm.BuiltinHypervisor} is one VM behind the
 * driver SPI, and {@link io.katacontainers.hypervisor.kvm.Vmm} puts memory, the KVM VM, the buses, the devices and
 * the vCPUs together, in the runtime's own process.
 */
package io.katacontainers.hypervisor.kvm;
