package io.katacontainers.agent.mount;

import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The filesystems a guest needs before anything else, mounted by the agent when it is PID 1 (as Kata's agent
 * does in init mode). Each is skipped when {@code /init} already mounted it. Cgroups are v2 only: crun gives each
 * container its own subtree under the unified hierarchy.
 */
public final class InitFilesystems {
    private static final System.Logger LOG = System.getLogger(InitFilesystems.class.getName());
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private record Filesystem(String source, Path target, String type, MountOptions options) {
    }

    private static final long NOSUID_NODEV_NOEXEC = Mounts.MS_NOSUID | Mounts.MS_NODEV | Mounts.MS_NOEXEC;
    private static final List<Filesystem> FILESYSTEMS = List.of(
            new Filesystem("proc", Path.of("/proc"), "proc", MountOptions.of(NOSUID_NODEV_NOEXEC)),
            new Filesystem("sysfs", Path.of("/sys"), "sysfs", MountOptions.of(NOSUID_NODEV_NOEXEC)),
            new Filesystem("dev", Path.of("/dev"), "devtmpfs", new MountOptions(Mounts.MS_NOSUID, "mode=0755")),
            new Filesystem("devpts", Path.of("/dev/pts"), "devpts",
                    new MountOptions(Mounts.MS_NOSUID | Mounts.MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666")),
            new Filesystem("tmpfs", Path.of("/dev/shm"), "tmpfs", MountOptions.of(Mounts.MS_NOSUID | Mounts.MS_NODEV)),
            new Filesystem("tmpfs", Path.of("/run"), "tmpfs",
                    new MountOptions(Mounts.MS_NOSUID | Mounts.MS_NODEV, "mode=0755")),
            new Filesystem("cgroup2", CGROUP_ROOT, "cgroup2", MountOptions.of(NOSUID_NODEV_NOEXEC)));

    private InitFilesystems() {
    }

    /** Mounts what is missing, then lets child cgroups use every controller the kernel offers. */
    public static void setUp(Mounter mounter) throws IOException {
        for (Filesystem fs : FILESYSTEMS) {
            if (isMounted(fs.target(), mounter)) {
                LOG.log(Level.DEBUG, "{0} is already mounted", fs.target());
                continue;
            }
            Files.createDirectories(fs.target());
            mounter.mount(fs.source(), fs.target(), fs.type(), fs.options());
        }
        enableControllers();
    }

    private static boolean isMounted(Path target, Mounter mounter) throws IOException {
        // Before /proc is mounted there is no mount table to look at.
        if (!Files.exists(Path.of("/proc/self/mountinfo"))) {
            return false;
        }
        return mounter.isMountPoint(target);
    }

    /**
     * Writes each available controller to the root's cgroup.subtree_control, so that crun can create per-container
     * groups with them. One at a time: a controller the kernel refuses must not keep the others off.
     */
    private static void enableControllers() throws IOException {
        Path available = CGROUP_ROOT.resolve("cgroup.controllers");
        if (!Files.exists(available)) {
            return;
        }
        for (String controller : Files.readString(available).trim().split("\\s+")) {
            if (controller.isEmpty()) {
                continue;
            }
            try {
                Files.writeString(CGROUP_ROOT.resolve("cgroup.subtree_control"), "+" + controller);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot enable cgroup controller {0}: {1}", controller, e.getMessage());
            }
        }
    }
}
