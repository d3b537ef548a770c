package io.katacontainers.runtime.config;

import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.ConfigIssue;
import io.katacontainers.api.config.ConfigSchema;
import io.katacontainers.api.config.HypervisorConfig;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * Rules that involve more than one key, mostly Kata's own (config.go's checks); single keys are checked by the
 * validators in {@link ConfigSchema}.
 */
final class ConfigRules {

    /** Builds an issue located at a key's line, or its table's, for a section name such as {@code runtime}. */
    @FunctionalInterface
    interface Locator {
        ConfigIssue at(String section, String key, String message);
    }

    private static final String NO_PORT = "no-port";

    private ConfigRules() {
    }

    static List<ConfigIssue> check(KataConfig config, Locator locate) {
        List<ConfigIssue> problems = new ArrayList<>();
        HypervisorConfig hypervisor = config.hypervisor();
        String hv = "hypervisor." + hypervisor.hypervisorName();

        if (config.runtime().internetworkingModel().equals("macvtap")) {
            problems.add(locate.at("runtime", "internetworking_model", "\"macvtap\" is not implemented; use "
                    + "\"tcfilter\" (or \"none\")"));
        }
        if (config.runtime().disableNewNetns() && !config.runtime().internetworkingModel().equals("none")) {
            problems.add(locate.at("runtime", "disable_new_netns", "only works with internetworking_model = \"none\""
                    + " (it is \"" + config.runtime().internetworkingModel() + "\")"));
        }
        if (hypervisor.sharedFs().equals("virtio-fs") && hypervisor.virtioFsDaemon().isEmpty()) {
            problems.add(locate.at(hv, "virtio_fs_daemon", "must be set when shared_fs is \"virtio-fs\""));
        }
        // One guest root file system: the drivers boot either an initrd or an image (Kata's rule for clh and
        // stratovirt; its QEMU driver would attach both, which nothing here needs).
        if (!hypervisor.image().isEmpty() && !hypervisor.initrd().isEmpty()) {
            problems.add(locate.at(hv, "image", "set either image or initrd, not both (initrd is \""
                    + hypervisor.initrd() + "\"; set initrd = \"\" to boot the image)"));
        }
        if (hypervisor.image().isEmpty() && hypervisor.initrd().isEmpty()) {
            problems.add(locate.at(hv, "initrd", "one of image and initrd must be set"));
        }
        // The root image is mounted by the guest kernel, which has ext4 (with DAX) and neither xfs nor erofs.
        if (!hypervisor.image().isEmpty() && !hypervisor.rootfsType().equals("ext4")) {
            problems.add(locate.at(hv, "rootfs_type", "\"" + hypervisor.rootfsType() + "\" root images are not"
                    + " supported: the guest kernel mounts ext4 (the image the guest build makes); use \"ext4\""));
        }
        switch (hypervisor) {
            case QemuConfig qemu -> checkQemu(qemu, hv, locate, problems);
            case BuiltinConfig ignored -> {
                // Its keys admit no contradictions beyond the common ones above.
            }
        }
        if (config.factory().vmCacheNumber() > 0 && !(hypervisor instanceof QemuConfig)) {
            problems.add(locate.at("factory", "vm_cache_number", "the VM cache needs [hypervisor.qemu]"));
        }
        if (config.factory().enableTemplate() && hypervisor.initrd().isEmpty()) {
            problems.add(locate.at("factory", "enable_template", "VM templates need an initrd (image is not"
                    + " supported)"));
        }
        return problems;
    }

    private static void checkQemu(QemuConfig qemu, String hv, Locator locate, List<ConfigIssue> problems) {
        // The image reaches the guest as persistent memory (an nvdimm), which QEMU's microvm cannot carry: it has
        // no device memory region for memory devices.
        if (!qemu.image().isEmpty() && qemu.machineType().equals("microvm")) {
            problems.add(locate.at(hv, "image", "a root image needs machine_type = \"q35\" (microvm cannot map it"
                    + " as persistent memory); or boot the initrd instead (image = \"\", initrd = ...)"));
        }
        if (!qemu.hotPlugVfio().equals(NO_PORT) && !qemu.coldPlugVfio().equals(NO_PORT)) {
            problems.add(locate.at(hv, "cold_plug_vfio", "only one of hot_plug_vfio and cold_plug_vfio can be set"
                    + " (hot_plug_vfio is \"" + qemu.hotPlugVfio() + "\")"));
        }
        int logical = qemu.blockDeviceLogicalSectorSize();
        int physical = qemu.blockDevicePhysicalSectorSize();
        if (logical != 0 && physical != 0 && logical > physical) {
            problems.add(locate.at(hv, "block_device_logical_sector_size", logical
                    + " is larger than block_device_physical_sector_size (" + physical + ")"));
        }
    }
}
