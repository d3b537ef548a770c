/**
 * State on disk under {@code /run/vc/sbs/<id>}: {@code StateStore} lays out the sandbox directories,
 * {@code ContainerState} is runc's state JSON of a container, {@code SandboxLock} the per-sandbox file lock that
 * {@code kill} and {@code delete} take, and {@code MountPoints} finds the mounts under a directory for cleanup.
 */
package io.katacontainers.runtime.persist;
