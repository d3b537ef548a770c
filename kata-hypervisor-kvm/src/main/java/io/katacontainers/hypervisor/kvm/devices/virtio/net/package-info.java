/**
 * virtio-net on a tap: {@link io.katacontainers.hypervisor.kvm.devices.virtio.net.NetDevice} (features,
 * configuration, the tap descriptor) and the queues at work (frames between the tap and the RX/TX queues, with the
 * virtio-net header passed through, and backpressure when the guest has no RX buffers).
 */
package io.katacontainers.hypervisor.kvm.devices.virtio.net;
