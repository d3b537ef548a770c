package io.katacontainers.runtime.service;

import io.katacontainers.containerd.types.Mount;
import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.ffm.libc.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A container's root filesystem built from the mounts containerd's snapshotter returns (an overlay, or a bind
 * mount of a directory), mounted on the host under the sandbox directory so that it can be shared with the guest
 * and found by a cleanup after a crash.
 */
record RootfsMount(Path target) {
    /** Mounts containerd's single rootfs mount on {@code target}. */
    static RootfsMount mount(List<Mount> mounts, Path target) throws IOException {
        if (mounts.size() != 1) {
            throw new IOException("containerd gave " + mounts.size() + " rootfs mounts; containerd-shim-kata-v2 "
                    + "takes exactly one (an overlay or bind snapshot)");
        }
        Mount mount = mounts.getFirst();
        MountOptions options = MountOptions.parse(mount.getOptionsList());
        String type = mount.getType().equals("bind") ? "" : mount.getType();
        long flags = mount.getType().equals("bind") ? options.flags() | Mounts.MS_BIND : options.flags();
        Files.createDirectories(target);
        try {
            Mounts.mount(mount.getSource(), target, type, flags, options.data().isEmpty() ? null : options.data());
        } catch (IOException e) {
            Files.deleteIfExists(target);
            throw new IOException("cannot mount the container's rootfs (" + mount.getType() + " " + mount.getSource()
                    + ") on " + target + ": " + e.getMessage(), e);
        }
        return new RootfsMount(target);
    }

    /** Detaches the mount and removes its directory; fine when it is already gone. */
    void unmount() throws IOException {
        try {
            Mounts.unmount(target, Mounts.MNT_DETACH);
        } catch (SyscallException e) {
            if (!e.is(Errno.EINVAL) && !e.is(Errno.ENOENT)) {
                throw e;
            }
        }
        Files.deleteIfExists(target);
    }
}
