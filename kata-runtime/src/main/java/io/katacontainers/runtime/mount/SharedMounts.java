package io.katacontainers.runtime.mount;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the shares of a {@link ContainerMounts.Plan}: each host path is bind-mounted into the sandbox's shared
 * directory, which virtio-fs exports, as a {@link Resource.SharedMount} of the sandbox's ledger (recorded before it
 * is made, so the cleanup after a crash finds it).
 *
 * <p>The source is opened with {@code O_PATH|O_NOFOLLOW} and the mount made from {@code /proc/self/fd/<n>} after
 * checking that the descriptor is the real path the plan resolved: a path component swapped for a symlink between
 * the plan and the mount is refused instead of followed. The share is private (or a slave of the source, for
 * {@code slave}/{@code shared} propagation), and read-only for {@code ro}: every mount of the share (submounts of
 * an {@code rbind} too) is remounted read-only, keeping its nosuid/nodev/noexec, so a guest write fails with EROFS
 * at virtiofsd whatever the guest's OCI runtime does.
 */
public final class SharedMounts {
    private static final int O_PATH = 010000000;
    private static final int O_NOFOLLOW = 0400000;
    private static final long KEPT_FLAGS = Mounts.MS_NOSUID | Mounts.MS_NODEV | Mounts.MS_NOEXEC
            | Mounts.MS_NOATIME | Mounts.MS_NODIRATIME | Mounts.MS_RELATIME | Mounts.MS_STRICTATIME;

    private SharedMounts() {
    }

    /** Makes every share, all or nothing; returns the resources in the order made. */
    public static List<Resource.SharedMount> shareAll(ResourceLedger ledger, Path sharedDir,
                                                      List<ContainerMounts.Share> shares) throws IOException {
        List<Resource.SharedMount> made = new ArrayList<>();
        try {
            for (ContainerMounts.Share share : shares) {
                made.add(share(ledger, sharedDir, share));
            }
            return made;
        } catch (IOException | RuntimeException e) {
            unshareAll(ledger, made, e);
            throw e;
        }
    }

    /** Tears shares down, newest first; failures are added to {@code failure}. */
    public static void unshareAll(ResourceLedger ledger, List<Resource.SharedMount> shares, Exception failure) {
        for (Resource.SharedMount share : shares.reversed()) {
            try {
                ledger.detach(share);
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Makes one share. */
    public static Resource.SharedMount share(ResourceLedger ledger, Path sharedDir, ContainerMounts.Share share)
            throws IOException {
        Path target = sharedDir.resolve(share.name()).normalize();
        if (!target.startsWith(sharedDir) || target.equals(sharedDir)) {
            throw new IllegalArgumentException("share name " + share.name() + " leaves the shared directory");
        }
        try {
            return ledger.attach(new Resource.SharedMount(target), () -> {
                Files.createDirectories(target.getParent());
                if (share.directory()) {
                    Files.createDirectory(target);
                } else {
                    Files.createFile(target);
                }
                bind(share, target);
            });
        } catch (IOException e) {
            throw new IOException("cannot share " + share.source() + " with the guest (bind mount on " + target
                    + "): " + e.getMessage(), e);
        }
    }

    private static void bind(ContainerMounts.Share share, Path target) throws IOException {
        long recursive = share.recursive() ? Mounts.MS_REC : 0;
        try (Fd source = Libc.open(share.source(), O_PATH | O_NOFOLLOW | Libc.O_CLOEXEC)) {
            Path handle = Path.of("/proc/self/fd/" + source.get());
            Path opened = Files.readSymbolicLink(handle);
            if (!opened.equals(share.source())) {
                throw new IOException("the source changed while it was being shared: it is now " + opened);
            }
            Mounts.mount(handle.toString(), target, null, Mounts.MS_BIND | recursive, null);
        }
        Mounts.mount(null, target, null, (share.slave() ? Mounts.MS_SLAVE : Mounts.MS_PRIVATE) | recursive, null);
        if (share.readOnly()) {
            for (MountTable.Entry entry : MountTable.current().under(target)) {
                long kept = MountOptions.parse(entry.mountOptions()).flags() & KEPT_FLAGS;
                Mounts.mount(null, entry.mountPoint(), null,
                        Mounts.MS_BIND | Mounts.MS_REMOUNT | Mounts.MS_RDONLY | kept, null);
            }
        }
    }
}
