package io.katacontainers.hypervisor.qemu.cmdline;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The RAM of a template VM or of a clone: a file QEMU maps shared (so virtiofsd, a vhost-user backend, can map it
 * too), which {@code x-ignore-shared} leaves out of the migration stream. The shared filesystem is not on such a
 * VM's command line: QEMU 7.2 cannot migrate a vhost-user-fs device, so each clone gets one on the empty PCIe root
 * port {@link #SHARED_FS_PORT} after its restore, and the guest agent finds it with a PCI rescan.
 *
 * @param file the RAM's file: the template's own, or the clone's private copy of it
 * @param incoming whether QEMU waits for the template's device state ({@code -incoming defer})
 */
public record TemplateMemory(Path file, boolean incoming) {
    /** The root port a clone's vhost-user-fs device is plugged into. */
    public static final String SHARED_FS_PORT = "rp-fs";

    public TemplateMemory {
        Objects.requireNonNull(file, "file");
    }
}
