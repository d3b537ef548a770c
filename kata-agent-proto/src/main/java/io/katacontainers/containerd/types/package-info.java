/**
 * containerd's {@code containerd.types} messages (mounts of a task's rootfs) as protoc generates them from
 * containerd 1.6's protos.
 */
package io.katacontainers.containerd.types;
