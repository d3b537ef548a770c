/** virtio-pmem: a host file mapped read-only into guest physical memory, which the guest uses as persistent memory. */
package io.katacontainers.hypervisor.kvm.devices.virtio.pmem;
