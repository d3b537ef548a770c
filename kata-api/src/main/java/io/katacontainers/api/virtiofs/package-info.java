/**
 * virtiofsd, the host side of virtio-fs, as every driver runs it:
 * {@link io.katacontainers.api.virtiofs.VirtiofsdCommand} builds the C daemon's command line from Kata's settings,
 * {@link io.katacontainers.api.virtiofs.VirtiofsCache} maps Kata's cache modes to the daemon's (refusing what it does
 * not have), and {@link io.katacontainers.api.virtiofs.VirtiofsDaemon} starts it through
 * a driver's {@link io.katacontainers.api.process.ProcessLauncher}, waits for its socket and stops it.
 */
package io.katacontainers.api.virtiofs;
