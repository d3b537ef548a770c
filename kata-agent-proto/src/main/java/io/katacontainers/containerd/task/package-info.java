/**
 * containerd's shim v2 task API ({@code containerd.task.v2.Task}: requests, responses and the task states) as
 * protoc generates it from containerd 1.6's {@code shim.proto} and {@code task.proto}; the runtime's shim serves it.
 */
package io.katacontainers.containerd.task;
