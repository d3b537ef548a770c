package io.katacontainers.runtime.persist;

import io.katacontainers.ffm.libc.Mounts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * Per-sandbox directories under Kata's {@code /run/vc/sbs/<id>}: the VM's sockets, console log and the shared
 * directory live there, so that another process can find a sandbox by its id and clean it up.
 */
public final class StateStore {
    /** Kata's location for sandbox state. */
    public static final Path DEFAULT_ROOT = Path.of("/run/vc/sbs");
    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final Path root;

    public StateStore(Path root) {
        this.root = root;
    }

    /** The directory that holds one directory per sandbox. */
    public Path root() {
        return root;
    }

    /** Rejects ids that could escape the state directory or confuse the tools that print them. */
    public static String checkId(String id) {
        if (!VALID_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid container id '" + id + "': use 1-128 letters, digits, "
                    + "'_', '.' or '-', starting with a letter or digit");
        }
        return id;
    }

    /** The directory that holds the sandbox's sockets, logs and shared directory. */
    public Path sandboxDir(String id) {
        return root.resolve(checkId(id));
    }

    /**
     * Removes everything the store holds for the sandbox. Mounts left under it (a container's rootfs shared with the
     * guest, if a teardown failed) are detached first, so that removing files can never reach into the user's
     * bundle through them.
     */
    public void remove(String id) throws IOException {
        removeTree(sandboxDir(id));
    }

    /** Removes a sandbox directory as {@link #remove} does, given its path. */
    public static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        for (Path mountPoint : MountPoints.under(dir)) {
            Mounts.unmount(mountPoint, Mounts.MNT_DETACH);
        }
        try (var walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
