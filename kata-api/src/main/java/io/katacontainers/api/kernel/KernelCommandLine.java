package io.katacontainers.api.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The guest kernel command line every driver boots with, in three parts: the driver's own parameters, then the
 * configured {@code kernel_params}, which win over the driver's by key (so {@code console=hvc0} replaces the
 * driver's console; {@code quiet} and {@code debug} count as one key), then the parameters that describe the VM's
 * devices, which nothing replaces (several {@code virtio_mmio.device=} entries are all needed).
 *
 * @param driverParams what the driver needs for the guest to boot reliably and its lifecycle to work
 * @param configured   {@code kernel_params} from the configuration, space separated; may be empty
 * @param deviceParams how the guest finds devices it cannot probe, e.g. {@code virtio_mmio.device=4K@0xd0000000:5}
 */
public record KernelCommandLine(List<String> driverParams, String configured, List<String> deviceParams) {

    public KernelCommandLine {
        driverParams = List.copyOf(driverParams);
        configured = configured == null ? "" : configured.strip();
        deviceParams = List.copyOf(deviceParams);
    }

    /**
     * The parameters every driver starts from, then {@code configured}.
     *
     * @param console      the guest console device: {@code ttyS0} for an 8250 UART, which prints from the first
     *                     instruction on, or {@code hvc0} for virtio-console
     * @param rebootMethod the {@code reboot=} method that ends the VM on this machine: {@code k} (keyboard
     *                     controller) or {@code t} (triple fault, where there is no i8042)
     * @param debug        a verbose boot instead of a quiet one
     */
    public static KernelCommandLine forDriver(String console, String rebootMethod, boolean debug, String configured) {
        List<String> params = List.of(
                "console=" + console,
                // Every console character is a VM exit; under nested or emulated CPUs a chatty boot costs seconds.
                debug ? "debug" : "quiet",
                // The IO-APIC timer check misfires when vCPUs are descheduled or emulated; Kata skips it too.
                "no_timer_check",
                "reboot=" + rebootMethod,
                // Reboot, hence end the VM, at once on panic instead of leaving a dead guest running.
                "panic=-1");
        return new KernelCommandLine(params, configured, List.of());
    }

    /** Adds driver parameters; the configured ones still win over them by key. */
    public KernelCommandLine withDriverParams(String... params) {
        return new KernelCommandLine(Stream.concat(driverParams.stream(), Arrays.stream(params)).toList(), configured,
                deviceParams);
    }

    /**
     * Tells the guest the host's TSC frequency ({@code tsc_early_khz}), so it need not calibrate the TSC: under TCG
     * or with descheduled vCPUs, calibration takes long or hangs the boot.
     */
    public KernelCommandLine withTscKhz(long khz) {
        if (khz <= 0) {
            throw new IllegalArgumentException("a TSC frequency is positive, got " + khz + " kHz");
        }
        return withDriverParams("tsc_early_khz=" + khz);
    }

    /**
     * Boots from the guest root image that the driver attaches as the first persistent-memory device
     * ({@code /dev/pmem0}: an nvdimm or virtio-pmem): mounted read-only with DAX, so the guest reads the image
     * straight from the host's page cache and unpacks no initrd, with {@code /init} (the same PID 1 as in the
     * initrd) as init. Kata boots its image the same way ({@code root=/dev/pmem0p1 rootflags=dax,... ro}); ours has
     * no partition table. A root that cannot be mounted panics the guest, which then ends the VM ({@code panic=-1}).
     * The image is ext4 ({@code rootfs_type}; the configuration loader refuses others): the guest kernel has no
     * other file system for it.
     */
    public KernelCommandLine withRootImage() {
        return withDriverParams("root=" + ROOT_IMAGE_DEVICE, "rootfstype=ext4", "rootflags=dax", "ro",
                "init=" + GUEST_INIT);
    }

    /** The device the guest finds its root image on: the first pmem device. */
    public static final String ROOT_IMAGE_DEVICE = "/dev/pmem0";

    /** PID 1 in the guest image, in the initrd and in the root image alike. */
    public static final String GUEST_INIT = "/init";

    /** Appends device parameters, which come last and are never left out. */
    public KernelCommandLine withDeviceParams(List<String> params) {
        return new KernelCommandLine(driverParams, configured,
                Stream.concat(deviceParams.stream(), params.stream()).toList());
    }

    /** The command line: driver parameters whose key is not configured, the configured ones, the devices. */
    public String line() {
        List<String> user = configured.isEmpty() ? List.of() : Arrays.asList(configured.split("\\s+"));
        Set<String> userKeys = user.stream().map(KernelCommandLine::key).collect(Collectors.toSet());
        List<String> params = new ArrayList<>();
        driverParams.stream().filter(param -> !userKeys.contains(key(param))).forEach(params::add);
        params.addAll(user);
        params.addAll(deviceParams);
        return String.join(" ", params);
    }

    private static String key(String param) {
        int eq = param.indexOf('=');
        String key = eq < 0 ? param : param.substring(0, eq);
        return key.equals("debug") ? "quiet" : key;
    }
}
