package io.katacontainers.runtime.resource;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.runtime.persist.StateStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Something a sandbox attaches on the host for its VM, with its teardown. Teardowns are idempotent: a crash may
 * come between a setup and its record, or between a teardown and its record, so a resource that is not (or no
 * longer) there is torn down without error. Each resource is one line of the sandbox's ledger.
 */
public sealed interface Resource {
    /** The directory shared with the guest by virtio-fs; its daemon is one of the sandbox's processes. */
    record SharedFs(Path dir) implements Resource {
        @Override
        public void teardown() throws IOException {
            StateStore.removeTree(dir); // unmounts what is still mounted under it
        }
    }

    /**
     * A mount on the host under the sandbox directory: a container's root filesystem, bind-mounted into the
     * shared directory or mounted from containerd's snapshot. Its directory goes with it, and its parent when
     * that is empty then.
     */
    record HostMount(Path target) implements Resource {
        @Override
        public void teardown() throws IOException {
            unmountAndRemove(target);
        }
    }

    /**
     * A host file or directory of a container's bind mount, bind-mounted into the shared directory at
     * {@code <shared>/<container id>/mounts/<name>} for the guest. The (empty) file or directory it was mounted on
     * goes with it, and the {@code mounts} directory when that is empty then; a target still mounted is never
     * emptied.
     */
    record SharedMount(Path target) implements Resource {
        @Override
        public void teardown() throws IOException {
            unmountAndRemove(target);
        }
    }

    /** Detaches what is mounted on {@code target} (lazily), removes it, and its parent if that is empty now. */
    private static void unmountAndRemove(Path target) throws IOException {
        try {
            Mounts.unmount(target, Mounts.MNT_DETACH); // lazily: a busy virtiofsd cannot keep it
        } catch (SyscallException e) {
            if (!e.is(Errno.EINVAL) && !e.is(Errno.ENOENT)) { // not mounted (any more)
                throw e;
            }
        }
        Files.deleteIfExists(target);
        Path parent = target.getParent();
        if (Files.isDirectory(parent)) {
            try (var left = Files.list(parent)) {
                if (left.findAny().isEmpty()) {
                    Files.delete(parent);
                }
            }
        }
    }

    /**
     * A veth of the pod's network namespace wired to the VM: the tap beside it and, with the tcfilter model, the
     * ingress qdiscs (and with them the mirred filters) on both. The teardown joins the namespace, deletes the tap
     * and the veth's ingress qdisc; a namespace, tap or qdisc already gone is fine.
     */
    record NetworkEndpoint(Path netns, String veth, String tap) implements Resource {
        @Override
        public void teardown() throws IOException {
            if (!Files.exists(netns)) {
                return; // the namespace went, and everything in it
            }
            try {
                io.katacontainers.runtime.network.PodNetwork.unwire(netns, veth, tap);
            } catch (java.nio.file.NoSuchFileException e) {
                return; // the namespace went meanwhile (CNI's teardown races a crashed shim's cleanup)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while removing tap " + tap + " from " + netns, e);
            }
        }
    }

    /**
     * A cgroup directory the runtime made for the sandbox ({@code sandbox_cgroup_only}) in one hierarchy. The
     * teardown moves what is still in it to its parent, as Kata does (the runtime's own process while it tears its
     * sandbox down; nothing after a crash, whose cleanup killed the VMM and virtiofsd first), then removes it.
     */
    record HostCgroup(Path dir) implements Resource {
        @Override
        public void teardown() throws IOException {
            if (!Files.isDirectory(dir)) {
                return;
            }
            Path parentProcs = dir.getParent().resolve("cgroup.procs");
            for (long pid : pids(dir)) {
                try {
                    Files.writeString(parentProcs, Long.toString(pid));
                } catch (IOException e) {
                    // ESRCH: it ended meanwhile, which empties the cgroup as well
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        throw new IOException("cannot move process " + pid + " out of " + dir + ": "
                                + e.getMessage(), e);
                    }
                }
            }
            try {
                Files.delete(dir); // rmdir: a cgroup's control files go with it
            } catch (java.nio.file.NoSuchFileException e) {
                return;
            }
        }

        /** The processes in a cgroup directory ({@code cgroup.procs}). */
        public static java.util.List<Long> pids(Path dir) throws IOException {
            return Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(line -> !line.isBlank())
                    .map(Long::parseLong).toList();
        }
    }

    /** Undoes the setup; fine when there is nothing left to undo. */
    void teardown() throws IOException;

    /** The ledger line of this resource. */
    default String line() {
        return switch (this) {
            case SharedFs shared -> "shared-fs " + shared.dir();
            case HostMount mount -> "host-mount " + mount.target();
            case SharedMount mount -> "shared-mount " + mount.target();
            case HostCgroup cgroup -> "cgroup " + cgroup.dir();
            // Interface names have no spaces; the path, last, may.
            case NetworkEndpoint endpoint -> "network " + endpoint.veth() + " " + endpoint.tap() + " "
                    + endpoint.netns();
        };
    }

    /** The resource of a ledger line. */
    static Resource parse(String line) {
        int space = line.indexOf(' ');
        String kind = space < 0 ? line : line.substring(0, space);
        if (kind.equals("network")) {
            String[] fields = line.split(" ", 4);
            if (fields.length != 4) {
                throw new IllegalArgumentException("malformed network resource in a sandbox ledger: " + line);
            }
            return new NetworkEndpoint(Path.of(fields[3]), fields[1], fields[2]);
        }
        Path path = Path.of(line.substring(space + 1));
        return switch (kind) {
            case "shared-fs" -> new SharedFs(path);
            case "host-mount" -> new HostMount(path);
            case "shared-mount" -> new SharedMount(path);
            case "cgroup" -> new HostCgroup(path);
            default -> throw new IllegalArgumentException("unknown resource in a sandbox ledger: " + line);
        };
    }
}
