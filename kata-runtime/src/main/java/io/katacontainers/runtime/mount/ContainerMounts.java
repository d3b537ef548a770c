package io.katacontainers.runtime.mount;

import io.katacontainers.agent.proto.Mount;
import io.katacontainers.agent.proto.Storage;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.errdefs.ErrorKind;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plans how a container's OCI mounts reach the VM, as Kata's runtime does ({@code mountSharedDirMounts},
 * {@code handleShm}, {@code handleEphemeralStorage}, {@code handleLocalStorage}), touching nothing:
 * <ul>
 *   <li>a bind mount of a host file or directory is shared: bind-mounted (by {@link SharedMounts}) into the
 *       sandbox's shared directory at {@code <container id>/mounts/<n>-<name>}, and its source in the spec becomes
 *       that path under {@link GuestContract#GUEST_SHARED_DIR}; its options (ro, rbind, propagation) stay for the
 *       OCI runtime in the guest, and {@code ro} also makes the host side read-only;</li>
 *   <li>a bind on {@code /dev/shm} becomes the sandbox's shm, a tmpfs in the guest ({@link
 *       GuestContract#GUEST_SHM_DIR}) the size of the host's (64 MiB when the host's is not a tmpfs);</li>
 *   <li>a Kubernetes emptyDir ({@code .../kubernetes.io~empty-dir/<name>}) whose host directory is a tmpfs
 *       (medium Memory) is a tmpfs in the guest (Kata's {@code ephemeral} storage); a disk-backed one is shared
 *       from the host like any bind mount, or, with guest emptyDirs on ({@code disable_guest_empty_dir = false}
 *       and {@code emptydir_mode = "shared-fs"}), a directory the agent makes under the sandbox container's
 *       rootfs (Kata's {@code local} storage);</li>
 *   <li>a bind from {@code /proc} or {@code /sys}, or of a host device or {@code /dev} itself, names the guest's own
 *       path and is left as it is; a source whose symlinks lead there is refused;</li>
 *   <li>any other mount type (proc, tmpfs, mqueue...) is the guest's and is left as it is.</li>
 * </ul>
 */
public final class ContainerMounts {
    /** Kubernetes' directory of emptyDir volumes in a pod's volume path. */
    public static final String K8S_EMPTY_DIR = "kubernetes.io~empty-dir";
    /** Kata's size of a shm when the host's gives none: 64 MiB. */
    public static final long DEFAULT_SHM_SIZE = 64L << 20;
    private static final String SHM = "/dev/shm";

    /**
     * A host path to share with the guest.
     *
     * @param source    the real host path (symlinks followed)
     * @param name      where it goes, relative to the shared directory
     * @param guestPath where the guest finds it
     * @param directory a directory (else a file)
     * @param readOnly  the share refuses writes
     * @param recursive {@code rbind}: submounts of the source come along
     * @param slave     mounts made under the source later reach the share ({@code slave}/{@code shared}
     *                  propagation in the spec); else the share is private
     */
    public record Share(Path source, Path name, String guestPath, boolean directory, boolean readOnly,
                        boolean recursive, boolean slave) {
    }

    /**
     * The plan: the spec's mounts as the guest reads them, what to share, and the storages the agent makes.
     */
    public record Plan(List<Mount> mounts, List<Share> shares, List<Storage> storages) {
        public Plan {
            mounts = List.copyOf(mounts);
            shares = List.copyOf(shares);
            storages = List.copyOf(storages);
        }
    }

    private ContainerMounts() {
    }

    /**
     * Plans the mounts of container {@code containerId} in sandbox {@code sandboxId}.
     *
     * @param bundleDir     what relative bind sources are relative to, if the caller has a bundle
     * @param guestEmptyDir disk-backed emptyDirs are made in the guest rather than shared from the host
     * @throws MountException for a source that is missing (NOT_FOUND) or that may not be shared
     */
    public static Plan plan(String sandboxId, String containerId, List<Mount> mounts, Optional<Path> bundleDir,
                            boolean guestEmptyDir, HostProbe host) throws MountException, IOException {
        List<Mount> guest = new ArrayList<>();
        List<Share> shares = new ArrayList<>();
        List<Storage> storages = new ArrayList<>();
        for (int index = 0; index < mounts.size(); index++) {
            Mount mount = mounts.get(index);
            if (!isBind(mount)) {
                guest.add(mount);
                continue;
            }
            if (mount.getDestination().equals(SHM)) {
                guest.add(shm(mount, bundleDir, host, storages));
                continue;
            }
            Path source = HostPaths.of(mount.getSource(), mount.getDestination(), bundleDir);
            if (HostPaths.isSystem(source) || isHostDevice(source, host)) {
                guest.add(mount); // the guest's own /proc, /sys, device
                continue;
            }
            if (isEmptyDir(source) && (guestEmptyDir || isTmpfs(source, host))) {
                guest.add(emptyDir(sandboxId, mount, source, host, storages));
                continue;
            }
            Path real = HostPaths.shareable(source, "the source " + mount.getSource() + " of the bind mount on "
                    + mount.getDestination(), host);
            if (!Path.of(mount.getSource()).isAbsolute() && bundleDir.isPresent()) {
                Path realBundle = host.realPath(bundleDir.get().toAbsolutePath()).orElse(bundleDir.get());
                if (!real.startsWith(realBundle)) {
                    throw new MountException(ErrorKind.INVALID_ARGUMENT, "the source " + mount.getSource()
                            + " of the bind mount on " + mount.getDestination() + " is relative to the bundle but "
                            + "leads to " + real + ", outside it (a symlink out of " + realBundle + "): give the "
                            + "host path absolutely");
                }
            }
            Path name = Path.of(containerId, GuestContract.SHARED_MOUNTS_DIR, index + "-"
                    + safeName(mount.getDestination()));
            String guestPath = GuestContract.GUEST_SHARED_DIR + "/" + name;
            List<String> options = mount.getOptionsList();
            shares.add(new Share(real, name, guestPath, host.isDirectory(real), options.contains("ro"),
                    options.contains("rbind"), options.stream().anyMatch(ContainerMounts::receivesMounts)));
            guest.add(mount.toBuilder().setSource(guestPath).setType("bind").build());
        }
        return new Plan(guest, shares, storages);
    }

    /** Whether the mount binds a path (its type, or a {@code bind}/{@code rbind} option, as Kata reads it). */
    public static boolean isBind(Mount mount) {
        return mount.getType().equals("bind") || mount.getOptionsList().contains("bind")
                || mount.getOptionsList().contains("rbind");
    }

    /** Kata's test: a path whose parent directory is {@code kubernetes.io~empty-dir}. */
    static boolean isEmptyDir(Path source) {
        Path parent = source.getParent();
        return parent != null && parent.getFileName() != null
                && parent.getFileName().toString().equals(K8S_EMPTY_DIR);
    }

    /** Kata's test: {@code /dev} itself, or anything but a regular file under it (a missing path counts too). */
    static boolean isHostDevice(Path source, HostProbe host) {
        return source.equals(HostPaths.DEV)
                || source.startsWith(HostPaths.DEV) && !host.isRegularFile(source);
    }

    /** Kata's test for a memory-backed emptyDir: a tmpfs mounted exactly there. */
    private static boolean isTmpfs(Path source, HostProbe host) throws IOException {
        return host.mountAt(source).map(entry -> entry.fsType().equals("tmpfs")).orElse(false);
    }

    private static boolean receivesMounts(String option) {
        return option.equals("slave") || option.equals("rslave") || option.equals("shared")
                || option.equals("rshared");
    }

    private static Mount shm(Mount mount, Optional<Path> bundleDir, HostProbe host, List<Storage> storages)
            throws MountException, IOException {
        long size = DEFAULT_SHM_SIZE;
        if (!mount.getSource().isEmpty()) {
            Path source = HostPaths.of(mount.getSource(), mount.getDestination(), bundleDir);
            Optional<MountTable.Entry> tmpfs = host.mountAt(source).filter(entry -> entry.fsType().equals("tmpfs"));
            size = tmpfs.flatMap(entry -> sizeOption(entry.superOptions())).orElse(DEFAULT_SHM_SIZE);
        }
        storages.add(Storage.newBuilder().setDriver("ephemeral").setSource("shm").setFstype("tmpfs")
                .setMountPoint(GuestContract.GUEST_SHM_DIR)
                .addAllOptions(List.of("noexec", "nosuid", "nodev", "mode=1777", "size=" + size)).build());
        return mount.toBuilder().setType("bind").setSource(GuestContract.GUEST_SHM_DIR)
                .clearOptions().addOptions("rbind").build();
    }

    private static Mount emptyDir(String sandboxId, Mount mount, Path source, HostProbe host,
                                  List<Storage> storages) throws MountException, IOException {
        if (!host.exists(source)) {
            throw new MountException(ErrorKind.NOT_FOUND, "the emptyDir volume " + source + " on "
                    + mount.getDestination() + " does not exist on the host");
        }
        String volume = source.getFileName().toString();
        int gid = host.gid(source);
        List<String> groupOption = gid == 0 ? List.of() : List.of("fsgid=" + gid);
        boolean memory = isTmpfs(source, host);
        Storage.Builder storage = Storage.newBuilder();
        if (memory) {
            storage.setDriver("ephemeral").setSource("tmpfs").setFstype("tmpfs")
                    .setMountPoint(GuestContract.GUEST_EPHEMERAL_DIR + "/" + volume).addAllOptions(groupOption);
        } else {
            storage.setDriver("local").setSource("local").setFstype("local")
                    .setMountPoint(GuestContract.GUEST_SHARED_DIR + "/" + sandboxId + "/rootfs/"
                            + GuestContract.LOCAL_STORAGE_DIR + "/" + volume)
                    .addOptions("mode=0777").addAllOptions(groupOption);
        }
        storages.add(storage.build());
        return mount.toBuilder().setType("bind").setSource(storage.getMountPoint()).build();
    }

    /** tmpfs's {@code size=} in bytes (the kernel prints it in KiB, {@code size=65536k}). */
    static Optional<Long> sizeOption(List<String> options) {
        for (String option : options) {
            if (option.startsWith("size=")) {
                String value = option.substring("size=".length()).toLowerCase(java.util.Locale.ROOT);
                long unit = switch (value.isEmpty() ? ' ' : value.charAt(value.length() - 1)) {
                    case 'k' -> 1L << 10;
                    case 'm' -> 1L << 20;
                    case 'g' -> 1L << 30;
                    default -> 1;
                };
                String digits = unit == 1 ? value : value.substring(0, value.length() - 1);
                try {
                    return Optional.of(Long.parseLong(digits) * unit);
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The destination's last name, kept to letters, digits, '.', '_' and '-', for a readable share name. */
    static String safeName(String destination) {
        Path last = Path.of(destination).getFileName();
        String name = last == null ? "root" : last.toString().replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() || name.equals(".") || name.equals("..") ? "root" : name;
    }
}
