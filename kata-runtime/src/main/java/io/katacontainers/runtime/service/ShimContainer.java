package io.katacontainers.runtime.service;

import io.katacontainers.containerd.types.Status;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.runtime.resource.Resource;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A container of the shim's sandbox: its init process, the processes exec'd in it, its host rootfs mount. */
final class ShimContainer {
    private final String id;
    private final String bundle;
    private final ShimProcess init;
    private final Optional<Resource.HostMount> rootfs;
    private final ShimHooks hooks;
    private final Map<String, ShimProcess> execs = new ConcurrentHashMap<>();

    ShimContainer(String id, String bundle, ShimProcess init, Optional<Resource.HostMount> rootfs, ShimHooks hooks) {
        this.hooks = hooks;
        this.id = id;
        this.bundle = bundle;
        this.init = init;
        this.rootfs = rootfs;
    }

    /** The spec's OCI hooks, run on the host. */
    ShimHooks hooks() {
        return hooks;
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

    Optional<Resource.HostMount> rootfs() {
        return rootfs;
    }

    /** The init process for an empty exec id, else the exec'd process: NOT_FOUND when there is none. */
    ShimProcess process(String execId) {
        ShimProcess process = execId.isEmpty() ? init : execs.get(execId);
        if (process == null) {
            throw ErrdefsException.notFound("exec " + execId + " does not exist in container " + id);
        }
        return process;
    }

    /** Adds an exec'd process (not started): refused once the container stopped, or when the id is taken. */
    void addExec(ShimProcess exec) {
        if (init.status() == Status.STOPPED) {
            throw ErrdefsException.failedPrecondition("cannot exec in container " + id + ": it is stopped");
        }
        if (execs.putIfAbsent(exec.execId(), exec) != null) {
            throw ErrdefsException.alreadyExists("exec " + exec.execId() + " already exists in container " + id);
        }
    }

    /** Deletes an exec'd process (refused while it runs) and forgets it. */
    ShimProcess.Exit deleteExec(String execId) {
        ShimProcess.Exit exit = process(execId).delete();
        execs.remove(execId);
        return exit;
    }

    /** The init process and every exec'd process. */
    java.util.List<ShimProcess> processes() {
        java.util.List<ShimProcess> all = new java.util.ArrayList<>(execs.values());
        all.addFirst(init);
        return all;
    }

    /** Closes every process's FIFOs. */
    void closeStdio() {
        execs.values().forEach(ShimProcess::closeStdio);
        init.closeStdio();
    }
}
