/** virtio-blk: a raw image file behind one request queue, served on the device thread; read-only if asked. */
package io.katacontainers.hypervisor.kvm.devices.virtio.block;
