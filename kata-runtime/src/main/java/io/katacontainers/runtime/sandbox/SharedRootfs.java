package io.katacontainers.runtime.sandbox;

import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container's root filesystem made visible to the guest: bind-mounted into the sandbox's shared directory, which
 * virtio-fs exports, so the guest finds it at {@code <guest shared dir>/<container id>/rootfs}. The mount is a
 * resource of the sandbox's ledger.
 */
record SharedRootfs(Resource.HostMount hostMount, String guestPath) {

    static SharedRootfs share(ResourceLedger resources, Path rootfs, Path sharedDir, String containerId,
                              String guestSharedDir) throws SandboxException {
        if (!Files.isDirectory(rootfs)) {
            throw new SandboxException("the container's root filesystem " + rootfs + " is not a directory: check "
                    + "root.path in the bundle's config.json");
        }
        Path target = sharedDir.resolve(containerId).resolve("rootfs");
        try {
            Resource.HostMount mount = resources.attach(new Resource.HostMount(target), () -> {
                Files.createDirectories(target);
                Mounts.mount(rootfs.toString(), target, "", Mounts.MS_BIND | Mounts.MS_REC, null);
            });
            return new SharedRootfs(mount, guestSharedDir + "/" + containerId + "/rootfs");
        } catch (IOException e) {
            throw new SandboxException("cannot share " + rootfs + " with the guest (bind mount on " + target + "): "
                    + e.getMessage(), e);
        }
    }
}
