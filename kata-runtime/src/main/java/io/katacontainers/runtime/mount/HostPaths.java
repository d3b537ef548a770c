package io.katacontainers.runtime.mount;

import io.katacontainers.errdefs.ErrorKind;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A bind mount's host source as a path: absolute (a relative source is the bundle's, as the runtime spec says),
 * with no {@code ..} (a source that climbs is refused rather than guessed at), normalized. Symlinks are followed
 * later, on the path this gives, and what they lead to is checked again ({@link ContainerMounts}).
 */
public final class HostPaths {
    /** Host kernel filesystems: a bind from them names the guest's own (as in Kata), never the host's. */
    public static final List<Path> SYSTEM_PREFIXES = List.of(Path.of("/proc"), Path.of("/sys"));
    /** Host devices: a bind of one names the guest's device of that name (as in Kata). */
    public static final Path DEV = Path.of("/dev");

    private HostPaths() {
    }

    /**
     * The source of the mount on {@code destination} as an absolute, normalized host path.
     *
     * @param bundleDir what a relative source is relative to; empty when the caller has no bundle
     * @throws MountException INVALID_ARGUMENT for an empty source, a {@code ..} in it, or a relative one without
     *                        a bundle
     */
    public static Path of(String source, String destination, Optional<Path> bundleDir) throws MountException {
        if (source.isEmpty()) {
            throw new MountException(ErrorKind.INVALID_ARGUMENT, "the bind mount on " + destination
                    + " has no source: give the host path to mount");
        }
        Path path = Path.of(source);
        for (Path name : path) {
            if (name.toString().equals("..")) {
                throw new MountException(ErrorKind.INVALID_ARGUMENT, "the source " + source + " of the bind mount on "
                        + destination + " contains '..': give the host path without it");
            }
        }
        if (!path.isAbsolute()) {
            if (bundleDir.isEmpty()) {
                throw new MountException(ErrorKind.INVALID_ARGUMENT, "the source " + source + " of the bind mount on "
                        + destination + " is relative: give an absolute host path");
            }
            path = bundleDir.get().toAbsolutePath().resolve(path);
        }
        return path.normalize();
    }

    /**
     * The real path (symlinks followed) of a host path to share: NOT_FOUND when it does not exist, INVALID_ARGUMENT
     * when it leads into {@code /proc}, {@code /sys} or to a device.
     *
     * @param what how the messages name it ("the source X of the bind mount on /data")
     */
    public static Path shareable(Path source, String what, HostProbe host) throws MountException, IOException {
        Path real = host.realPath(source).orElseThrow(() -> new MountException(ErrorKind.NOT_FOUND,
                what + " does not exist on the host: create it or fix the mount"));
        if (isSystem(real) || real.startsWith(DEV) && !host.isRegularFile(real)) {
            throw new MountException(ErrorKind.INVALID_ARGUMENT, what + " leads to " + real
                    + ", a host kernel filesystem or device that cannot be shared with the VM: name the guest's "
                    + "path directly, or mount something else");
        }
        return real;
    }

    /** Whether the path is {@code /proc} or {@code /sys} or under them. */
    public static boolean isSystem(Path path) {
        return SYSTEM_PREFIXES.stream().anyMatch(path::startsWith);
    }
}
