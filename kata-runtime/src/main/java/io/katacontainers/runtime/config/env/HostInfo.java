package io.katacontainers.runtime.config.env;

import java.util.Objects;

/**
 * Host facts for the {@code [Host]} section of {@code kata-runtime env}, as Kata reports them.
 *
 * @param kernel             kernel release, the third field of /proc/version
 * @param architecture       Go's name for the architecture, as Kata prints it: amd64, arm64, ...
 * @param distroName         NAME from os-release
 * @param distroVersion      VERSION_ID from os-release
 * @param cpuVendor          vendor_id from /proc/cpuinfo
 * @param cpuModel           "model name" from /proc/cpuinfo
 * @param cpus               CPUs this process may run on
 * @param memTotalKib        MemTotal from /proc/meminfo, KiB
 * @param memFreeKib         MemFree, KiB
 * @param memAvailableKib    MemAvailable, KiB
 * @param vmContainerCapable whether the host can run VM containers
 * @param supportVsocks      whether /dev/vhost-vsock exists (QEMU needs it for a vsock agent channel)
 */
public record HostInfo(String kernel, String architecture, String distroName, String distroVersion,
                       String cpuVendor, String cpuModel, int cpus, long memTotalKib, long memFreeKib,
                       long memAvailableKib, boolean vmContainerCapable, boolean supportVsocks) {

    public HostInfo {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(distroName, "distroName");
        Objects.requireNonNull(distroVersion, "distroVersion");
        Objects.requireNonNull(cpuVendor, "cpuVendor");
        Objects.requireNonNull(cpuModel, "cpuModel");
    }
}
