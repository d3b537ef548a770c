package io.katacontainers.agent.container;

import io.katacontainers.agent.cgroup.CgroupDir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A container the agent created: its bundle, the storages it holds, its init and its exec'd processes. */
final class Container {
    private final GuestBundle bundle;
    private final List<Path> storages;
    private final ContainerProcess init;
    private final String initExecId;
    private final CgroupDir cgroup;
    private final Map<String, ContainerProcess> execs = new ConcurrentHashMap<>();
    private volatile boolean started;

    /**
     * @param initExecId the exec id CreateContainer gave the init process; Kata's runtime names the init by it,
     *        other clients by the empty id, and both must reach the same process
     */
    Container(GuestBundle bundle, List<Path> storages, ContainerProcess init, String initExecId, CgroupDir cgroup) {
        this.bundle = bundle;
        this.storages = List.copyOf(storages);
        this.init = init;
        this.initExecId = initExecId;
        this.cgroup = cgroup;
    }

    String id() {
        return bundle.containerId();
    }

    GuestBundle bundle() {
        return bundle;
    }

    CgroupDir cgroup() {
        return cgroup;
    }

    List<Path> storages() {
        return storages;
    }

    ContainerProcess init() {
        return init;
    }

    boolean isStarted() {
        return started;
    }

    void markStarted() {
        started = true;
    }

    /** Whether {@code execId} names the init process: empty, or the exec id of CreateContainer. */
    boolean isInit(String execId) {
        return execId.isEmpty() || execId.equals(initExecId);
    }

    /** The init process for its ids, else that exec'd process. */
    Optional<ContainerProcess> process(String execId) {
        return isInit(execId) ? Optional.of(init) : Optional.ofNullable(execs.get(execId));
    }

    /** Registers an exec'd process; false if a live one has that id already. */
    boolean addExec(ContainerProcess process) {
        return execs.putIfAbsent(process.execId(), process) == null;
    }

    void removeExec(ContainerProcess process) {
        execs.remove(process.execId(), process);
    }

    /** Every process, init first. */
    List<ContainerProcess> processes() {
        var all = new ArrayList<ContainerProcess>();
        all.add(init);
        all.addAll(execs.values());
        return all;
    }
}
