/** virtio-rng: entropy for the guest at boot, from the host's {@code /dev/urandom}. */
package io.katacontainers.hypervisor.kvm.devices.virtio.rng;
