package io.katacontainers.api.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads the {@code /proc} files the metrics come from, under {@code root} ({@code /proc}, or a fixture in tests).
 * A file that is gone (the process exited) or unreadable yields an empty result, never an exception: a scrape
 * reports what it can.
 */
public record ProcFs(Path root) {
    /** Clock ticks per second of {@code /proc/<pid>/stat} times (USER_HZ, 100 on every Linux architecture). */
    public static final int USER_HZ = 100;

    public static ProcFs system() {
        return new ProcFs(Path.of("/proc"));
    }

    /** The fields of {@code /proc/<pid>/stat} the metrics use; times in clock ticks. */
    public record ProcessStat(long utime, long stime, long cutime, long cstime, long threads, long startTicks,
                              long virtualBytes) {
    }

    /** One line of {@code /proc/stat}'s CPU times: {@code cpu} is {@code total} or the CPU's number. */
    public record CpuTimes(String cpu, Map<String, Long> items) {
    }

    /** One device of {@code /proc/diskstats} or {@code /proc/net/dev}. */
    public record DeviceStats(String device, Map<String, Long> items) {
    }

    public Optional<ProcessStat> stat(long pid) {
        Optional<String> text = read(root.resolve(pid + "/stat"));
        if (text.isEmpty()) {
            return Optional.empty();
        }
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        String line = text.get();
        String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split("\\s+");
        // f[0] is field 3 (state): field n is f[n - 3].
        return Optional.of(new ProcessStat(num(f[11]), num(f[12]), num(f[13]), num(f[14]), num(f[17]),
                num(f[19]), num(f[20])));
    }

    /** The numeric lines of {@code /proc/<pid>/status} (values as printed: kB for memory). */
    public Map<String, Long> status(long pid) {
        return keyed(root.resolve(pid + "/status"), ":");
    }

    /** {@code /proc/<pid>/io}; empty when the caller may not read it. */
    public Map<String, Long> io(long pid) {
        return keyed(root.resolve(pid + "/io"), ":");
    }

    /** Entries of {@code /proc/<pid>/fd}; -1 when it cannot be listed. */
    public long openFds(long pid) {
        try (Stream<Path> fds = Files.list(root.resolve(pid + "/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The soft limit of open files from {@code /proc/<pid>/limits}; -1 when unknown or unlimited. */
    public long maxFds(long pid) {
        for (String line : lines(root.resolve(pid + "/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.chars().allMatch(Character::isDigit) ? Long.parseLong(soft) : -1;
            }
        }
        return -1;
    }

    /** The names ({@code comm}) of the process's threads. */
    public List<String> threadNames(long pid) {
        List<String> names = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(root.resolve(pid + "/task"))) {
            for (Path task : tasks.toList()) {
                read(task.resolve("comm")).ifPresent(name -> names.add(name.strip()));
            }
        } catch (IOException e) {
            return names;
        }
        return names;
    }

    /** {@code /proc/meminfo} as printed (kB, or a count for the HugePages lines). */
    public Map<String, Long> meminfo() {
        return keyed(root.resolve("meminfo"), ":");
    }

    /** {@code /proc/vmstat}. */
    public Map<String, Long> vmstat() {
        return keyed(root.resolve("vmstat"), " ");
    }

    /** {@code /proc/loadavg}: load1, load5, load15, then the running and total task counts. */
    public Optional<double[]> loadavg() {
        return read(root.resolve("loadavg")).map(text -> {
            String[] f = text.trim().split("\\s+");
            String[] tasks = f[3].split("/");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                Double.parseDouble(tasks[0]), Double.parseDouble(tasks[1])};
        });
    }

    private static final List<String> CPU_ITEMS = List.of("user", "nice", "system", "idle", "iowait", "irq",
            "softirq", "steal", "guest", "guest_nice");

    /** The {@code cpu} lines of {@code /proc/stat}, in clock ticks. */
    public List<CpuTimes> cpuTimes() {
        List<CpuTimes> cpus = new ArrayList<>();
        for (String line : lines(root.resolve("stat"))) {
            if (!line.startsWith("cpu")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            String cpu = f[0].equals("cpu") ? "total" : f[0].substring(3);
            Map<String, Long> items = new LinkedHashMap<>();
            for (int i = 1; i < f.length && i <= CPU_ITEMS.size(); i++) {
                items.put(CPU_ITEMS.get(i - 1), num(f[i]));
            }
            cpus.add(new CpuTimes(cpu, items));
        }
        return cpus;
    }

    /** The boot time from {@code /proc/stat}, in seconds since the epoch; 0 when unknown. */
    public long bootTimeSeconds() {
        for (String line : lines(root.resolve("stat"))) {
            if (line.startsWith("btime ")) {
                return num(line.substring(6).trim());
            }
        }
        return 0;
    }

    private static final List<String> DISK_ITEMS = List.of("reads", "reads_merged", "sectors_read",
            "time_reading", "writes", "writes_merged", "sectors_written", "time_writing", "in_progress",
            "time_in_progress", "weighted_time_in_progress", "discards", "discards_merged", "sectors_discarded",
            "time_discarding", "flushes", "time_flushing");

    /** {@code /proc/diskstats}, one entry per device. */
    public List<DeviceStats> diskstats() {
        List<DeviceStats> disks = new ArrayList<>();
        for (String line : lines(root.resolve("diskstats"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) {
                continue;
            }
            Map<String, Long> items = new LinkedHashMap<>();
            for (int i = 3; i < f.length && i - 3 < DISK_ITEMS.size(); i++) {
                items.put(DISK_ITEMS.get(i - 3), num(f[i]));
            }
            disks.add(new DeviceStats(f[2], items));
        }
        return disks;
    }

    private static final List<String> NET_ITEMS = List.of("recv_bytes", "recv_packets", "recv_errs", "recv_drop",
            "recv_fifo", "recv_frame", "recv_compressed", "recv_multicast", "sent_bytes", "sent_packets",
            "sent_errs", "sent_drop", "sent_fifo", "sent_colls", "sent_carrier", "sent_compressed");

    /** {@code /proc/net/dev} (of {@code pid}'s network namespace when given), one entry per interface. */
    public List<DeviceStats> netdev(Optional<Long> pid) {
        Path file = pid.map(p -> root.resolve(p + "/net/dev")).orElse(root.resolve("net/dev"));
        List<DeviceStats> devices = new ArrayList<>();
        for (String line : lines(file)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            Map<String, Long> items = new LinkedHashMap<>();
            for (int i = 0; i < f.length && i < NET_ITEMS.size(); i++) {
                items.put(NET_ITEMS.get(i), num(f[i]));
            }
            devices.add(new DeviceStats(line.substring(0, colon).trim(), items));
        }
        return devices;
    }

    private Map<String, Long> keyed(Path file, String separator) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : lines(file)) {
            int at = line.indexOf(separator);
            if (at <= 0) {
                continue;
            }
            String[] value = line.substring(at + 1).trim().split("\\s+");
            if (value.length > 0 && !value[0].isEmpty() && value[0].chars().allMatch(Character::isDigit)) {
                values.put(line.substring(0, at).trim(), Long.parseLong(value[0]));
            }
        }
        return values;
    }

    private static List<String> lines(Path file) {
        return read(file).map(text -> text.lines().toList()).orElse(List.of());
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (IOException e) {
            // Gone (a process that exited), or not ours to read (another user's io file): nothing to report.
            return Optional.empty();
        }
    }

    private static long num(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
