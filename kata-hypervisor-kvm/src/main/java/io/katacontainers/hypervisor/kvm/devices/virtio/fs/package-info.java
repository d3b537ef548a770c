/** virtio-fs: the device model whose queues virtiofsd serves through vhost-user, and its config space (the tag). */
package io.katacontainers.hypervisor.kvm.devices.virtio.fs;
