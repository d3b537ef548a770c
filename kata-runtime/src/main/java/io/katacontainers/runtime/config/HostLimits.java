package io.katacontainers.runtime.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the host has, the ceiling of what a pod's untrusted input (annotations, the CRI's pod resources) may ask of
 * its VM: a request beyond it is refused with an error naming it, rather than handed to the VMM to fail on (or to
 * take the host's memory).
 *
 * @param cpus      the CPUs this process may run on
 * @param memoryMiB the host's memory ({@code MemTotal})
 */
public record HostLimits(int cpus, long memoryMiB) {
    public HostLimits {
        if (cpus < 1 || memoryMiB < 1) {
            throw new IllegalArgumentException("a host has CPUs and memory: " + cpus + " CPUs, " + memoryMiB
                    + " MiB");
        }
    }

    /** This host's, from the JVM's CPU count and {@code /proc/meminfo}. */
    public static HostLimits probe() {
        return new HostLimits(Runtime.getRuntime().availableProcessors(), memTotalMiB(Path.of("/proc/meminfo")));
    }

    /** {@code MemTotal} of a meminfo file, in MiB; {@link Long#MAX_VALUE} when it cannot be read (no ceiling). */
    static long memTotalMiB(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            System.getLogger(HostLimits.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot read MemTotal from {0}: {1}; sizes are not bounded by the host''s memory", meminfo,
                    e.getMessage());
        }
        return Long.MAX_VALUE;
    }
}
