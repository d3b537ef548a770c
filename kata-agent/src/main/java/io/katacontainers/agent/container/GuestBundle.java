package io.katacontainers.agent.container;

import java.nio.file.Path;

/**
 * A container's OCI bundle in the agent's state directory ({@code <state>/<id>/}, Kata's layout): config.json, the
 * rootfs mount point, and the files the runtime and the agent exchange.
 */
record GuestBundle(String containerId, Path dir) {

    Path config() {
        return dir.resolve("config.json");
    }

    Path rootfs() {
        return dir.resolve("rootfs");
    }

    /** The runtime's JSON log; errors are read back from it. */
    Path runtimeLog() {
        return dir.resolve("runtime.log");
    }

    /** Where the runtime writes the pid of the init process ({@code execId} empty) or of an exec'd process. */
    Path pidFile(String execId) {
        return dir.resolve(execId.isEmpty() ? "init.pid" : "exec-" + execId + ".pid");
    }

    /** The runtime-spec resources of an update, for {@code update --resources}. */
    Path resourcesFile() {
        return dir.resolve("resources.json");
    }

    /** The runtime-spec process of an exec, for {@code exec --process}. */
    Path processFile(String execId) {
        return dir.resolve("exec-" + execId + ".json");
    }
}
