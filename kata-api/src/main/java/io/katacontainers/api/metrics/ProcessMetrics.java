package io.katacontainers.api.metrics;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One process's families in Kata's names under a prefix ({@code kata_shim}, {@code kata_hypervisor},
 * {@code kata_agent}, {@code kata_monitor}): {@code _proc_stat}, {@code _proc_status}, {@code _io_stat},
 * {@code _threads}, {@code _fds} and the standard {@code _process_*} set.
 */
public final class ProcessMetrics {
    private ProcessMetrics() {
    }

    /**
     * Adds the process's families to {@code out}; a process that is gone adds nothing.
     *
     * @param compactIoNames Kata's item names in {@code _io_stat}: the shim's and the hypervisor's drop the
     *                       underscores ({@code readbytes}), the agent's keep them ({@code read_bytes})
     */
    public static void add(Families out, String prefix, long pid, ProcFs proc, boolean compactIoNames) {
        var stat = proc.stat(pid);
        if (stat.isEmpty()) {
            return;
        }
        var s = stat.get();
        Map<String, Long> times = new LinkedHashMap<>();
        times.put("utime", s.utime());
        times.put("stime", s.stime());
        times.put("cutime", s.cutime());
        times.put("cstime", s.cstime());
        out.items(prefix + "_proc_stat", "Process statistics (/proc/<pid>/stat, clock ticks).", times);
        Map<String, Long> status = new LinkedHashMap<>();
        proc.status(pid).forEach((key, value) -> {
            if (key.startsWith("Vm") || key.startsWith("Rss") || key.equals("HugetlbPages")
                    || key.endsWith("ctxt_switches")) {
                status.put(key.toLowerCase(Locale.ROOT), value);
            }
        });
        out.items(prefix + "_proc_status", "Process status (/proc/<pid>/status, kB for memory).", status);
        Map<String, Long> io = new LinkedHashMap<>();
        proc.io(pid).forEach((key, value) -> io.put(compactIoNames ? key.replace("_", "") : key, value));
        out.items(prefix + "_io_stat", "Process I/O statistics (/proc/<pid>/io).", io);
        long fds = proc.openFds(pid);
        if (!prefix.equals("kata_agent")) {
            out.gauge(prefix + "_threads", "Threads of the process.", s.threads());
            if (fds >= 0) {
                out.gauge(prefix + "_fds", "Open file descriptors of the process.", fds);
            }
        }
        out.counter(prefix + "_process_cpu_seconds", "Total user and system CPU time spent in seconds.",
                (double) (s.utime() + s.stime()) / ProcFs.USER_HZ);
        if (fds >= 0) {
            out.gauge(prefix + "_process_open_fds", "Number of open file descriptors.", fds);
        }
        long maxFds = proc.maxFds(pid);
        if (maxFds >= 0) {
            out.gauge(prefix + "_process_max_fds", "Maximum number of open file descriptors.", maxFds);
        }
        Long rssKb = proc.status(pid).get("VmRSS");
        if (rssKb != null) {
            out.gauge(prefix + "_process_resident_memory_bytes", "Resident memory size in bytes.", rssKb * 1024.0);
        }
        out.gauge(prefix + "_process_virtual_memory_bytes", "Virtual memory size in bytes.", s.virtualBytes());
        out.gauge(prefix + "_process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                proc.bootTimeSeconds() + (double) s.startTicks() / ProcFs.USER_HZ);
    }

    /** The number of the process's threads whose name {@code isVcpu} accepts. */
    public static long countThreads(ProcFs proc, long pid, Predicate<String> isVcpu) {
        return proc.threadNames(pid).stream().filter(isVcpu).count();
    }
}
