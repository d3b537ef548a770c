/**
 * containerd's cgroup v2 {@code Metrics} message ({@code io.containerd.cgroups.v2}), the answer the shim gives to
 * the task API's {@code Stats}, as protoc generates it.
 */
package io.katacontainers.containerd.cgroups.v2;
