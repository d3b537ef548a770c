/**
 * {@code kata-vmm}, which boots a kernel on the built-in VMM by hand, and the tiny PVH images of the exit-cost
 * benchmark.
 */
package io.katacontainers.hypervisor.kvm.tool;
