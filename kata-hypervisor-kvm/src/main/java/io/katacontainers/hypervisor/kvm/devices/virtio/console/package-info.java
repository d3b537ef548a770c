/** virtio-console: the guest's console, written to a log and fed from an input descriptor. */
package io.katacontainers.hypervisor.kvm.devices.virtio.console;
