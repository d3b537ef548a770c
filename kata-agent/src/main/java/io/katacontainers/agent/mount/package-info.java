/**
 * Mounts in the guest: the init filesystems when the agent is PID 1, and the storages of CreateSandbox and
 * CreateContainer requests (virtio-fs, 9p, overlay, ephemeral, local) with a reference count per mount point.
 */
package io.katacontainers.agent.mount;
