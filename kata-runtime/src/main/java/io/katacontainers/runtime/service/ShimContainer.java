package io.katacontainers.runtime.service;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A container of the shim's sandbox: its init process, the processes exec'd in it, its host rootfs mount. */
final class ShimContainer {
    private final String id;
    private final String bundle;
    private final ShimProcess init;
    private final Optional<RootfsMount> rootfs;
    private final Map<String, ShimProcess> execs = new ConcurrentHashMap<>();

    ShimContainer(String id, String bundle, ShimProcess init, Optional<RootfsMount> rootfs) {
        this.id = id;
        this.bundle = bundle;
        this.init = init;
        this.rootfs = rootfs;
    }

    String id() {
        return id;
    }

    String bundle() {
        return bundle;
    }

    ShimProcess init() {
        return init;
    }

    Optional<RootfsMount> rootfs() {
        return rootfs;
    }

    Map<String, ShimProcess> execs() {
        return execs;
    }

    /** The init process for an empty exec id, else the exec'd process. */
    Optional<ShimProcess> process(String execId) {
        return execId.isEmpty() ? Optional.of(init) : Optional.ofNullable(execs.get(execId));
    }
}
