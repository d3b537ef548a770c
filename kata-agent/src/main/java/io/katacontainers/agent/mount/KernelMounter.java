package io.katacontainers.agent.mount;

import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import java.io.IOException;
import java.nio.file.Path;

/** {@link Mounter} on the real mount(2) and umount2(2). */
public final class KernelMounter implements Mounter {

    @Override
    public void mount(String source, Path target, String fstype, MountOptions options) throws IOException {
        Mounts.mount(source, target, fstype, options.flags(), options.data());
    }

    @Override
    public void unmount(Path target) throws IOException {
        Mounts.unmount(target, Mounts.MNT_DETACH);
    }

    @Override
    public boolean isMountPoint(Path path) throws IOException {
        return MountTable.mountPoints().contains(path);
    }
}
