/**
 * containerd's task API ({@code containerd.task.v2.Task}) as the shim serves it: {@code TaskService} looks up,
 * delegates and publishes events; {@code ShimPod} holds the pod's sandbox and containers, {@code ShimContainer}
 * and {@code ShimProcess} own their state machines (each state refuses the moves it cannot make with a typed
 * error), and the FIFO, rootfs, metrics and update helpers serve them.
 */
package io.katacontainers.runtime.service;
