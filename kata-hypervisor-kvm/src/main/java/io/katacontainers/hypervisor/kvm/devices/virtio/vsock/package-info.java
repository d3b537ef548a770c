/**
 * virtio-vsock with hybrid vsock on the host side:
 * {@link io.katacontainers.hypervisor.kvm.devices.virtio.vsock.VsockDevice} and its muxer, which turns a unix socket
 * client's {@code CONNECT <port>} into a guest stream and relays bytes under credit-based flow control.
 */
package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;
