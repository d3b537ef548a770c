package io.katacontainers.hypervisor.qemu.qmp;

/**
 * The answer to {@code query-status}.
 *
 * @param status QEMU's run state: {@code running}, {@code paused}, {@code shutdown}, {@code internal-error}, ...
 * @param running whether vCPUs run
 */
public record QmpStatus(String status, boolean running) {
}
