/**
 * QEMU's command line: the machine type, the agent's channel (virtio-serial or vhost-vsock), the shared
 * filesystem, and the files of one VM's run directory.
 */
package io.katacontainers.hypervisor.qemu.cmdline;
