/** The buses the vCPUs dispatch port I/O and MMIO exits to, the device interface, and interrupts. */
package io.katacontainers.hypervisor.kvm.devices;
