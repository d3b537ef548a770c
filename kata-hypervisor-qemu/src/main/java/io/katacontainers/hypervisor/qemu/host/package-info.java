/** What the host offers QEMU: the QEMU binary, and KVM acceleration where it is usable, TCG otherwise. */
package io.katacontainers.hypervisor.qemu.host;
