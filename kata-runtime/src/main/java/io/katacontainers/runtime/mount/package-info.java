/**
 * A container's OCI mounts in the VM, as Kata handles them: {@link io.katacontainers.runtime.mount.ContainerMounts}
 * reads the spec's mounts and plans, without touching anything, which host paths are shared through the sandbox's
 * virtio-fs directory, which become guest-local storages (the pod's {@code /dev/shm}, emptyDir volumes) and how
 * each mount reads in the guest; {@link io.katacontainers.runtime.mount.HostPaths} resolves a mount's host source
 * safely; {@link io.katacontainers.runtime.mount.SharedMounts} makes the planned shares as resources of the
 * sandbox's ledger.
 */
package io.katacontainers.runtime.mount;
