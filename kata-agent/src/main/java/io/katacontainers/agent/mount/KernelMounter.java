package io.katacontainers.agent.mount;

import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@link Mounter} on the real mount(2) and umount2(2). In the guest, a virtio-fs tag the kernel does not know yet
 * may sit on a device plugged after boot (a VM cloned from a template gets its shared filesystem that way, and its
 * kernel has no PCIe hotplug driver): the PCI bus is rescanned, as Kata's agent does for hot-plugged devices, and
 * the mount tried once more. The rescan probes new devices before it returns.
 */
public final class KernelMounter implements Mounter {
    private static final System.Logger LOG = System.getLogger(KernelMounter.class.getName());
    private static final Path PCI_RESCAN = Path.of("/sys/bus/pci/rescan");

    private final boolean guest;

    /** The guest's: may rescan PCI. */
    public KernelMounter() {
        this(true);
    }

    /** @param guest whether this is the guest (only there may a failed virtio-fs mount rescan the PCI bus) */
    public KernelMounter(boolean guest) {
        this.guest = guest;
    }

    @Override
    public void mount(String source, Path target, String fstype, MountOptions options) throws IOException {
        try {
            Mounts.mount(source, target, fstype, options.flags(), options.data());
        } catch (IOException e) {
            if (!guest || !"virtiofs".equals(fstype) || !Files.isWritable(PCI_RESCAN)) {
                throw e;
            }
            LOG.log(Level.INFO, "virtio-fs tag {0} not found ({1}): rescanning the PCI bus", source, e.getMessage());
            Files.writeString(PCI_RESCAN, "1");
            Mounts.mount(source, target, fstype, options.flags(), options.data());
        }
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
