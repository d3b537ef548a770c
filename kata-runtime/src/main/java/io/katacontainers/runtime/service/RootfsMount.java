package io.katacontainers.runtime.service;

import io.katacontainers.containerd.types.Mount;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A container's root filesystem built from the mounts containerd's snapshotter returns (an overlay, or a bind
 * mount of a directory), mounted on the host under the sandbox directory so that it can be shared with the guest;
 * the sandbox's ledger records it, for the teardown and the cleanup after a crash.
 */
final class RootfsMount {
    private static final Map<String, Long> SET_FLAGS = Map.ofEntries(
            Map.entry("ro", Mounts.MS_RDONLY), Map.entry("bind", Mounts.MS_BIND),
            Map.entry("rbind", Mounts.MS_BIND | Mounts.MS_REC), Map.entry("nosuid", Mounts.MS_NOSUID),
            Map.entry("nodev", Mounts.MS_NODEV), Map.entry("noexec", Mounts.MS_NOEXEC),
            Map.entry("sync", Mounts.MS_SYNCHRONOUS), Map.entry("dirsync", Mounts.MS_DIRSYNC),
            Map.entry("noatime", Mounts.MS_NOATIME), Map.entry("nodiratime", Mounts.MS_NODIRATIME),
            Map.entry("relatime", Mounts.MS_RELATIME), Map.entry("strictatime", Mounts.MS_STRICTATIME));
    /** Options that only clear a flag, which is the default anyway. */
    private static final List<String> DEFAULTS = List.of("rw", "suid", "dev", "exec", "async", "atime", "diratime");

    private RootfsMount() {
    }

    /** mount(2) flags and the data string of fstab-style options. */
    record Options(long flags, String data) {
        static Options parse(List<String> options) {
            long flags = 0;
            List<String> data = new ArrayList<>();
            for (String option : options) {
                Long flag = SET_FLAGS.get(option);
                if (flag != null) {
                    flags |= flag;
                } else if (!DEFAULTS.contains(option)) {
                    data.add(option);
                }
            }
            return new Options(flags, String.join(",", data));
        }
    }

    /** Mounts containerd's single rootfs mount on {@code target}, as a resource of the sandbox's ledger. */
    static Resource.HostMount mount(ResourceLedger resources, List<Mount> mounts, Path target) throws IOException {
        if (mounts.size() != 1) {
            throw new IOException("containerd gave " + mounts.size() + " rootfs mounts; containerd-shim-kata-v2 "
                    + "takes exactly one (an overlay or bind snapshot)");
        }
        Mount mount = mounts.getFirst();
        Options options = Options.parse(mount.getOptionsList());
        String type = mount.getType().equals("bind") ? "" : mount.getType();
        long flags = mount.getType().equals("bind") ? options.flags() | Mounts.MS_BIND : options.flags();
        try {
            return resources.attach(new Resource.HostMount(target), () -> {
                Files.createDirectories(target);
                Mounts.mount(mount.getSource(), target, type, flags, options.data().isEmpty() ? null
                        : options.data());
            });
        } catch (IOException e) {
            throw new IOException("cannot mount the container's rootfs (" + mount.getType() + " " + mount.getSource()
                    + ") on " + target + ": " + e.getMessage(), e);
        }
    }
}
