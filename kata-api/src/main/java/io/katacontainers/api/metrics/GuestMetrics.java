package io.katacontainers.api.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The guest operating system's families in Kata's names: {@code kata_guest_meminfo}, {@code _load},
 * {@code _tasks}, {@code _cpu_time}, {@code _diskstat}, {@code _netdev_stat}, {@code _vm_stat}.
 */
public final class GuestMetrics {
    private GuestMetrics() {
    }

    public static void add(Families out, ProcFs proc) {
        Map<String, Long> meminfo = new LinkedHashMap<>();
        proc.meminfo().forEach((key, value) -> meminfo.put(snakeCase(key), value));
        out.items("kata_guest_meminfo", "Statistics about memory usage on the system (/proc/meminfo, kB).",
                meminfo);
        proc.loadavg().ifPresent(load -> {
            Map<String, Double> loads = new LinkedHashMap<>();
            loads.put("load1", load[0]);
            loads.put("load5", load[1]);
            loads.put("load15", load[2]);
            out.items("kata_guest_load", "Guest system load.", loads);
            out.items("kata_guest_tasks", "Guest system tasks.", Map.of("cur", load[3], "max", load[4]));
        });
        out.labelled("kata_guest_cpu_time", "Guest CPU stat (/proc/stat, clock ticks).", proc.cpuTimes().stream()
                .map(cpu -> new Families.Series(Labels.of("cpu", cpu.cpu()), cpu.items())).toList());
        out.labelled("kata_guest_diskstat", "Disks stat in system (/proc/diskstats).", proc.diskstats().stream()
                .map(disk -> new Families.Series(Labels.of("disk", disk.device()), disk.items())).toList());
        out.labelled("kata_guest_netdev_stat", "Guest net devices stats (/proc/net/dev).",
                proc.netdev(Optional.empty()).stream().map(device -> new Families.Series(
                        Labels.of("interface", device.device()), device.items())).toList());
        out.items("kata_guest_vm_stat", "Guest virtual memory stat (/proc/vmstat).", proc.vmstat());
    }

    /** {@code MemTotal} → {@code mem_total}, {@code Active(anon)} → {@code active_anon}, as Kata names them. */
    static String snakeCase(String key) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(key.charAt(i - 1))) {
                out.append('_');
            }
            out.append(Character.isLetterOrDigit(c) ? Character.toLowerCase(c) : '_');
        }
        return out.toString().replaceAll("_+", "_").replaceAll("_$", "").toLowerCase(Locale.ROOT);
    }
}
