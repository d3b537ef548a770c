/**
 * x86_64 boot for the built-in VMM: PVH ELF and bzImage kernels, an initrd, the zero page and PVH start info, the
 * E820 map, GDT, page tables, MP table, CPUID and MSRs, and the registers a vCPU starts with.
 */
package io.katacontainers.hypervisor.kvm.arch.x86_64;
