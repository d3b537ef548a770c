package io.katacontainers.runtime.sandbox;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.ffm.libc.SyscallException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container's root filesystem made visible to the guest: bind-mounted into the sandbox's shared directory, which
 * virtio-fs exports, so the guest finds it at {@code <guest shared dir>/<container id>/rootfs}.
 */
record SharedRootfs(Path hostMount, String guestPath) {

    static SharedRootfs share(Path rootfs, Path sharedDir, String containerId, String guestSharedDir)
            throws SandboxException {
        if (!Files.isDirectory(rootfs)) {
            throw new SandboxException("the container's root filesystem " + rootfs + " is not a directory: check "
                    + "root.path in the bundle's config.json");
        }
        Path target = sharedDir.resolve(containerId).resolve("rootfs");
        try {
            Files.createDirectories(target);
            Mounts.mount(rootfs.toString(), target, "", Mounts.MS_BIND | Mounts.MS_REC, null);
        } catch (IOException e) {
            throw new SandboxException("cannot share " + rootfs + " with the guest (bind mount on " + target + "): "
                    + e.getMessage(), e);
        }
        return new SharedRootfs(target, guestSharedDir + "/" + containerId + "/rootfs");
    }

    /** Detaches the bind mount (lazily, so a busy virtiofsd cannot keep it) and removes its directories. */
    void unshare() throws IOException {
        try {
            Mounts.unmount(hostMount, Mounts.MNT_DETACH);
        } catch (SyscallException e) {
            if (!e.is(Errno.EINVAL) && !e.is(Errno.ENOENT)) { // not mounted (any more)
                throw e;
            }
        }
        Files.deleteIfExists(hostMount);
        Files.deleteIfExists(hostMount.getParent());
    }
}
