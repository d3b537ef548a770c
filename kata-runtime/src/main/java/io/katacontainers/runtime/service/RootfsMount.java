package io.katacontainers.runtime.service;

import io.katacontainers.containerd.types.Mount;
import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A container's root filesystem built from the mounts containerd's snapshotter returns (an overlay, or a bind
 * mount of a directory), mounted on the host under the sandbox directory so that it can be shared with the guest;
 * the sandbox's ledger records it, for the teardown and the cleanup after a crash.
 */
final class RootfsMount {
    private RootfsMount() {
    }

    /** Mounts containerd's single rootfs mount on {@code target}, as a resource of the sandbox's ledger. */
    static Resource.HostMount mount(ResourceLedger resources, List<Mount> mounts, Path target) throws IOException {
        if (mounts.size() != 1) {
            throw new IOException("containerd gave " + mounts.size() + " rootfs mounts; containerd-shim-kata-v2 "
                    + "takes exactly one (an overlay or bind snapshot)");
        }
        Mount mount = mounts.getFirst();
        MountOptions options = MountOptions.parse(mount.getOptionsList());
        String type = mount.getType().equals("bind") ? "" : mount.getType();
        long flags = mount.getType().equals("bind") ? options.flags() | Mounts.MS_BIND : options.flags();
        try {
            return resources.attach(new Resource.HostMount(target), () -> {
                Files.createDirectories(target);
                Mounts.mount(mount.getSource(), target, type, flags, options.data().isEmpty() ? null
                        : options.data());
            });
        } catch (IOException e) {
            throw new IOException("cannot mount the container's rootfs (" + mount.getType() + " " + mount.getSource()
                    + ") on " + target + ": " + e.getMessage(), e);
        }
    }
}
