/**
 * Host processes a hypervisor driver runs next to its VM (the VMM, virtiofsd):
 * {@link io.katacontainers.api.process.ProcessLauncher} starts them so that none outlives the VM or this JVM
 * (parent-death signal, reaping, SIGKILL on close), and {@link io.katacontainers.api.process.ChildProcess} waits
 * for them, stops them (SIGTERM, then SIGKILL) and quotes their logs in errors.
 */
package io.katacontainers.api.process;
