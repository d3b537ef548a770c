package io.katacontainers.runtime.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the mount plan needs to know about host paths: their real path, kind, group, and the mount (if any) whose
 * mount point they are. The files are read directly; the mount lookup is given, so a test can say which of its
 * directories are tmpfs mounts.
 */
public final class HostProbe {
    /** Finds the mount whose mount point is exactly a path. */
    @FunctionalInterface
    public interface MountLookup {
        Optional<MountTable.Entry> at(Path path) throws IOException;
    }

    private final MountLookup mounts;

    public HostProbe(MountLookup mounts) {
        this.mounts = mounts;
    }

    /** This host, its mounts read from {@code /proc/self/mountinfo} when asked. */
    public static HostProbe live() {
        return new HostProbe(path -> MountTable.current().at(path));
    }

    /** The path with every symlink followed; empty when it does not exist. */
    public Optional<Path> realPath(Path path) throws IOException {
        try {
            return Optional.of(path.toRealPath());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    public boolean isDirectory(Path path) {
        return Files.isDirectory(path);
    }

    /** Whether the path (symlinks followed, as Kata's {@code os.Stat}) is a regular file. */
    public boolean isRegularFile(Path path) {
        return Files.isRegularFile(path);
    }

    public boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    /** The group owning the path. */
    public int gid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:gid");
    }

    /** The mount at exactly {@code path}, if it is a mount point. */
    public Optional<MountTable.Entry> mountAt(Path path) throws IOException {
        return mounts.at(path);
    }
}
