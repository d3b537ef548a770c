package io.katacontainers.runtime.cgroup;

import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The sandbox's cgroup on the host with {@code sandbox_cgroup_only} (Kata's model): the directory of
 * {@link CgroupsPath} in every mounted hierarchy, made through the sandbox's ledger (each directory that did not
 * exist is a {@link Resource.HostCgroup}, recorded before it is made, so the teardown and the cleanup after a crash
 * remove exactly what the runtime made, the pod's own cgroup staying kubelet's), with the process that owns the VM
 * moved into it before the VMM and virtiofsd start, so they are born in it. Nothing there is limited by the
 * runtime: the pod's cgroup above it carries kubelet's limits.
 *
 * @param dirs the sandbox cgroup's directory in each hierarchy
 */
public record SandboxCgroup(CgroupsPath path, List<Path> dirs) {
    private static final System.Logger LOG = System.getLogger(SandboxCgroup.class.getName());

    public SandboxCgroup {
        dirs = List.copyOf(dirs);
    }

    /**
     * Creates the cgroup in every hierarchy of {@code hierarchies} (directories that are missing, parents first,
     * each in {@code ledger}) and moves process {@code pid} (all its threads) into it.
     */
    public static SandboxCgroup join(ResourceLedger ledger, List<CgroupMounts.Hierarchy> hierarchies,
                                     CgroupsPath path, long pid) throws IOException {
        if (hierarchies.isEmpty()) {
            throw new IOException("no cgroup hierarchy is mounted (see /proc/self/mountinfo): sandbox_cgroup_only "
                    + "needs cgroup v1 or v2 mounted, or set it to false");
        }
        List<Path> dirs = new ArrayList<>();
        for (CgroupMounts.Hierarchy hierarchy : hierarchies) {
            Path dir = hierarchy.mountPoint();
            for (String element : path.relative().split("/")) {
                Path parent = dir;
                dir = dir.resolve(element);
                if (!Files.isDirectory(dir)) {
                    Path created = dir;
                    ledger.attach(new Resource.HostCgroup(created), () -> {
                        Files.createDirectory(created);
                        if (hierarchy.cpusetV1()) {
                            inherit(parent, created, "cpuset.cpus");
                            inherit(parent, created, "cpuset.mems");
                        }
                    });
                }
            }
            dirs.add(dir);
        }
        for (Path dir : dirs) {
            try {
                Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IOException("cannot move process " + pid + " into the sandbox cgroup " + dir + ": "
                        + e.getMessage(), e);
            }
        }
        LOG.log(System.Logger.Level.INFO, "process {0} joined the sandbox cgroup {1} ({2} hierarchies)", pid,
                path.relative(), dirs.size());
        return new SandboxCgroup(path, dirs);
    }

    /** cpuset v1 starts a new cgroup with no CPUs and no memory nodes: a process cannot join it before it has some. */
    private static void inherit(Path parent, Path child, String file) throws IOException {
        if (Files.readString(child.resolve(file)).isBlank()) {
            Files.writeString(child.resolve(file), Files.readString(parent.resolve(file)).strip());
        }
    }

    /**
     * Moves process {@code pid} into the cgroups this process is in, in every hierarchy of {@code hierarchies}
     * ({@code /proc/self/cgroup} names them): the relay that stands for the container on the host joins the sandbox
     * cgroup, so what a caller reads through that pid (containerd's runc shim for {@code docker stats}) is the
     * sandbox's. A hierarchy of {@code /proc/self/cgroup} that is not mounted here is skipped.
     */
    public static void addToOwnCgroups(long pid, List<CgroupMounts.Hierarchy> hierarchies) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] fields = line.split(":", 3);
            if (fields.length < 3) {
                continue;
            }
            Set<String> controllers = fields[1].isEmpty() ? Set.of() : Set.of(fields[1].split(","));
            String relative = fields[2].startsWith("/") ? fields[2].substring(1) : fields[2];
            for (CgroupMounts.Hierarchy hierarchy : hierarchies) {
                boolean same = controllers.isEmpty() ? hierarchy.v2() : hierarchy.controllers().equals(controllers);
                if (same) {
                    Path procs = hierarchy.mountPoint().resolve(relative).resolve("cgroup.procs");
                    Files.writeString(procs, Long.toString(pid), StandardCharsets.US_ASCII);
                }
            }
        }
    }

    /** The pids in the cgroup of the first hierarchy (every hierarchy holds the same processes). */
    public List<Long> pids() throws IOException {
        return Resource.HostCgroup.pids(dirs.getFirst());
    }
}
