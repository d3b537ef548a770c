package io.katacontainers.agent.mount;

import io.katacontainers.agent.proto.Storage;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.ffm.libc.MountOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How a {@link Storage} of a CreateSandbox or CreateContainer request becomes a directory in the guest, by its
 * {@code driver} name as Kata's runtime sends it.
 */
public sealed interface StorageDriver permits StorageDriver.Filesystem, StorageDriver.Local {

    /** Kata's shared-fs tag that a guest init may have mounted before the agent started. */
    String PREMOUNTED_SHARED_FS = GuestContract.SHARED_FS_TAG;

    /** Kata's option that gives a volume's group (Kubernetes' fsGroup), as {@code fsgid=<gid>}. */
    String FS_GID = "fsgid=";

    /** Driver names this agent understands, as GetGuestDetails reports them. */
    List<String> NAMES = List.of("virtio-fs", "9p", "overlayfs", "ephemeral", "local");

    /** The driver for a name, if this agent has it. */
    static Optional<StorageDriver> named(String driver) {
        return Optional.ofNullable(switch (driver) {
            case "virtio-fs" -> new Filesystem("virtiofs", true);
            case "9p" -> new Filesystem("9p", true);
            case "overlayfs" -> new Filesystem("overlay", true);
            // Kata's ephemeral storages are tmpfs mounts (the pod's /dev/shm, memory-backed emptyDirs); an
            // fsgid=N option among their mount options gives the volume's group (the pod's fsGroup).
            case "ephemeral" -> new Filesystem("tmpfs", true);
            case "local" -> new Local();
            default -> null;
        });
    }

    /**
     * Makes the storage available at its mount point.
     *
     * @return whether a mount was made that {@link #detach} has to undo
     */
    boolean attach(Storage storage, Mounter mounter) throws IOException;

    /** Undoes {@link #attach}. */
    void detach(Path mountPoint, boolean mounted, Mounter mounter) throws IOException;

    /** Gives {@code dir} the group of the storage's {@code fsgid=} option, if it has one. */
    private static void applyFsGroup(Storage storage, Path dir) throws IOException {
        for (String option : storage.getOptionsList()) {
            if (option.startsWith(FS_GID)) {
                int gid;
                try {
                    gid = Integer.parseInt(option.substring(FS_GID.length()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("storage option " + option + " of " + storage.getMountPoint()
                            + " is not a group id", e);
                }
                Files.setAttribute(dir, "unix:gid", gid);
            }
        }
    }

    /**
     * A filesystem mounted from the storage's source (a virtio-fs tag, a 9p tag, "tmpfs"...).
     *
     * @param defaultType the filesystem type when the storage names none
     * @param useOptions  whether the storage's options are mount options
     */
    record Filesystem(String defaultType, boolean useOptions) implements StorageDriver {
        @Override
        public boolean attach(Storage storage, Mounter mounter) throws IOException {
            Path target = Path.of(storage.getMountPoint());
            if (PREMOUNTED_SHARED_FS.equals(storage.getSource()) && mounter.isMountPoint(target)) {
                return false;
            }
            Files.createDirectories(target);
            String type = storage.getFstype().isEmpty() ? defaultType : storage.getFstype();
            List<String> mountOptions = storage.getOptionsList().stream()
                    .filter(option -> !option.startsWith(FS_GID)).toList();
            var options = useOptions ? MountOptions.parse(mountOptions) : MountOptions.NONE;
            mounter.mount(storage.getSource(), target, type, options);
            try {
                applyFsGroup(storage, target);
            } catch (IOException | RuntimeException e) {
                mounter.unmount(target);
                throw e;
            }
            return true;
        }

        @Override
        public void detach(Path mountPoint, boolean mounted, Mounter mounter) throws IOException {
            if (mounted) {
                mounter.unmount(mountPoint);
            }
        }
    }

    /** A plain directory shared by the sandbox's containers (emptyDir); option {@code mode=0777} sets its mode. */
    record Local() implements StorageDriver {
        @Override
        public boolean attach(Storage storage, Mounter mounter) throws IOException {
            Path dir = Files.createDirectories(Path.of(storage.getMountPoint()));
            String mode = options(storage).get("mode");
            if (mode != null) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(symbolic(mode)));
            }
            applyFsGroup(storage, dir);
            return false;
        }

        @Override
        public void detach(Path mountPoint, boolean mounted, Mounter mounter) throws IOException {
            if (Files.isDirectory(mountPoint)) {
                try (Stream<Path> tree = Files.walk(mountPoint)) {
                    for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(path);
                    }
                }
            }
        }

        private static Map<String, String> options(Storage storage) {
            return storage.getOptionsList().stream().filter(option -> option.contains("="))
                    .collect(Collectors.toMap(option -> option.substring(0, option.indexOf('=')),
                            option -> option.substring(option.indexOf('=') + 1), (first, second) -> second));
        }

        /** "0750" to "rwxr-x---" (setuid/setgid/sticky bits are not supported by PosixFilePermissions). */
        private static String symbolic(String octal) {
            int mode = Integer.parseInt(octal, 8) & 0777;
            String letters = "rwxrwxrwx";
            StringBuilder out = new StringBuilder(9);
            for (int bit = 8; bit >= 0; bit--) {
                out.append((mode & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
            }
            return out.toString();
        }
    }
}
