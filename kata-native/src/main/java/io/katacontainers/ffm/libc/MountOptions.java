package io.katacontainers.ffm.libc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Mount options split the way mount(8) splits them: names that are mount flags become {@code MS_*} bits, the rest
 * is passed to the filesystem as its data string.
 *
 * @param flags the MS_* bits
 * @param data  comma-separated filesystem options, empty for none
 */
public record MountOptions(long flags, String data) {
    private record Flag(long bits, boolean clear) {
    }

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("defaults", new Flag(0, false)),
            Map.entry("ro", new Flag(Mounts.MS_RDONLY, false)),
            Map.entry("rw", new Flag(Mounts.MS_RDONLY, true)),
            Map.entry("nosuid", new Flag(Mounts.MS_NOSUID, false)),
            Map.entry("suid", new Flag(Mounts.MS_NOSUID, true)),
            Map.entry("nodev", new Flag(Mounts.MS_NODEV, false)),
            Map.entry("dev", new Flag(Mounts.MS_NODEV, true)),
            Map.entry("noexec", new Flag(Mounts.MS_NOEXEC, false)),
            Map.entry("exec", new Flag(Mounts.MS_NOEXEC, true)),
            Map.entry("sync", new Flag(Mounts.MS_SYNCHRONOUS, false)),
            Map.entry("async", new Flag(Mounts.MS_SYNCHRONOUS, true)),
            Map.entry("remount", new Flag(Mounts.MS_REMOUNT, false)),
            Map.entry("mand", new Flag(Mounts.MS_MANDLOCK, false)),
            Map.entry("nomand", new Flag(Mounts.MS_MANDLOCK, true)),
            Map.entry("dirsync", new Flag(Mounts.MS_DIRSYNC, false)),
            Map.entry("noatime", new Flag(Mounts.MS_NOATIME, false)),
            Map.entry("atime", new Flag(Mounts.MS_NOATIME, true)),
            Map.entry("nodiratime", new Flag(Mounts.MS_NODIRATIME, false)),
            Map.entry("diratime", new Flag(Mounts.MS_NODIRATIME, true)),
            Map.entry("bind", new Flag(Mounts.MS_BIND, false)),
            Map.entry("rbind", new Flag(Mounts.MS_BIND | Mounts.MS_REC, false)),
            Map.entry("relatime", new Flag(Mounts.MS_RELATIME, false)),
            Map.entry("norelatime", new Flag(Mounts.MS_RELATIME, true)),
            Map.entry("strictatime", new Flag(Mounts.MS_STRICTATIME, false)),
            Map.entry("nostrictatime", new Flag(Mounts.MS_STRICTATIME, true)),
            Map.entry("private", new Flag(Mounts.MS_PRIVATE, false)),
            Map.entry("rprivate", new Flag(Mounts.MS_PRIVATE | Mounts.MS_REC, false)),
            Map.entry("shared", new Flag(Mounts.MS_SHARED, false)),
            Map.entry("rshared", new Flag(Mounts.MS_SHARED | Mounts.MS_REC, false)),
            Map.entry("slave", new Flag(Mounts.MS_SLAVE, false)),
            Map.entry("rslave", new Flag(Mounts.MS_SLAVE | Mounts.MS_REC, false)),
            Map.entry("unbindable", new Flag(Mounts.MS_UNBINDABLE, false)),
            Map.entry("runbindable", new Flag(Mounts.MS_UNBINDABLE | Mounts.MS_REC, false)));

    public static final MountOptions NONE = new MountOptions(0, "");

    public MountOptions {
        data = data == null ? "" : data;
    }

    /** Splits option names such as {@code ["ro", "nosuid", "size=64m"]}. */
    public static MountOptions parse(List<String> options) {
        long flags = 0;
        List<String> data = new ArrayList<>();
        for (String option : options) {
            Flag flag = FLAGS.get(option);
            if (flag == null) {
                if (!option.isEmpty()) {
                    data.add(option);
                }
            } else if (flag.clear()) {
                flags &= ~flag.bits();
            } else {
                flags |= flag.bits();
            }
        }
        return new MountOptions(flags, String.join(",", data));
    }

    /** Flags only. */
    public static MountOptions of(long flags) {
        return new MountOptions(flags, "");
    }
}
