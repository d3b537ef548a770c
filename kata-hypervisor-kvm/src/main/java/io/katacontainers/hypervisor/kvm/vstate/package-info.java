/**
 * The VM's state: guest memory, the KVM VM with its IRQ lines, and the vCPUs with the platform threads that run
 * them.
 */
package io.katacontainers.hypervisor.kvm.vstate;
