/**
 * {@code containerd-shim-kata-v2}'s binary protocol: {@code ShimMain} dispatches {@code start}, {@code delete} and
 * the daemon; {@code ShimStart} launches the daemon and prints its socket address (one shim per pod, found from
 * the CRI annotations), {@code ShimDaemon} serves the task service over ttrpc, {@code ShimDelete} cleans up after
 * a shim that died, and {@code RuntimeOptions} reads containerd's {@code ConfigPath}.
 */
package io.katacontainers.runtime.shim;
