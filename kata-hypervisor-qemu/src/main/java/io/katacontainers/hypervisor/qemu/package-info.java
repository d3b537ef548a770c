/**
 * The QEMU hypervisor driver ({@code [hypervisor.qemu]}): {@link io.katacontainers.hypervisor.qemu.QemuDriver}
 * is found by {@link java.util.ServiceLoader} and creates a
 * {@link io.katacontainers.hypervisor.qemu.QemuHypervisor} per VM, which runs QEMU and virtiofsd and steers QEMU
 * through QMP.
 */
package io.katacontainers.hypervisor.qemu;
