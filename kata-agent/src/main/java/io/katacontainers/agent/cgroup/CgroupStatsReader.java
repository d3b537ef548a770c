package io.katacontainers.agent.cgroup;

import io.katacontainers.agent.proto.BlkioStats;
import io.katacontainers.agent.proto.BlkioStatsEntry;
import io.katacontainers.agent.proto.CgroupStats;
import io.katacontainers.agent.proto.CpuStats;
import io.katacontainers.agent.proto.CpuUsage;
import io.katacontainers.agent.proto.HugetlbStats;
import io.katacontainers.agent.proto.MemoryData;
import io.katacontainers.agent.proto.MemoryStats;
import io.katacontainers.agent.proto.PidsStats;
import io.katacontainers.agent.proto.ThrottlingData;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * StatsContainer's cgroup part from a container's cgroup v2 files, in the units Kata's agent reports: CPU times in
 * nanoseconds (v2 counts microseconds), memory in bytes, "max" as the largest unsigned value. A controller the
 * cgroup does not have leaves its part unset.
 */
public final class CgroupStatsReader {
    private static final long NANOS_PER_MICRO = 1000;
    private static final Pattern HUGETLB_CURRENT = Pattern.compile("hugetlb\\.([^.]+)\\.current");

    private CgroupStatsReader() {
    }

    public static CgroupStats read(CgroupDir cgroup) throws IOException {
        var stats = CgroupStats.newBuilder();
        Map<String, Long> cpu = cgroup.flatKeyed("cpu.stat");
        if (!cpu.isEmpty()) {
            stats.setCpuStats(CpuStats.newBuilder()
                    .setCpuUsage(CpuUsage.newBuilder()
                            .setTotalUsage(micros(cpu, "usage_usec"))
                            .setUsageInUsermode(micros(cpu, "user_usec"))
                            .setUsageInKernelmode(micros(cpu, "system_usec")))
                    .setThrottlingData(ThrottlingData.newBuilder()
                            .setPeriods(cpu.getOrDefault("nr_periods", 0L))
                            .setThrottledPeriods(cpu.getOrDefault("nr_throttled", 0L))
                            .setThrottledTime(micros(cpu, "throttled_usec"))));
        }
        var current = cgroup.single("memory.current");
        if (current.isPresent()) {
            stats.setMemoryStats(memory(cgroup, current.get()));
        }
        var pids = cgroup.single("pids.current");
        if (pids.isPresent()) {
            stats.setPidsStats(PidsStats.newBuilder().setCurrent(pids.get())
                    .setLimit(cgroup.single("pids.max").orElse(CgroupDir.UNLIMITED)));
        }
        var io = cgroup.nestedKeyed("io.stat");
        if (!io.isEmpty()) {
            stats.setBlkioStats(blkio(io));
        }
        addHugetlb(cgroup, stats);
        return stats.build();
    }

    private static MemoryStats memory(CgroupDir cgroup, long current) throws IOException {
        Map<String, Long> stat = cgroup.flatKeyed("memory.stat");
        var usage = MemoryData.newBuilder().setUsage(current)
                .setLimit(cgroup.single("memory.max").orElse(CgroupDir.UNLIMITED))
                .setFailcnt(cgroup.flatKeyed("memory.events").getOrDefault("max", 0L));
        cgroup.single("memory.peak").ifPresent(usage::setMaxUsage);
        var memory = MemoryStats.newBuilder().setUseHierarchy(true).setUsage(usage)
                .setCache(stat.getOrDefault("file", 0L)).putAllStats(stat);
        var swap = cgroup.single("memory.swap.current");
        if (swap.isPresent()) {
            memory.setSwapUsage(MemoryData.newBuilder().setUsage(swap.get())
                    .setLimit(cgroup.single("memory.swap.max").orElse(CgroupDir.UNLIMITED)));
        }
        if (stat.containsKey("kernel")) {
            memory.setKernelUsage(MemoryData.newBuilder().setUsage(stat.get("kernel")));
        }
        return memory.build();
    }

    /** io.stat per device: bytes and operations, split into Read and Write as runc's blkio entries are. */
    private static BlkioStats blkio(Map<String, Map<String, Long>> io) {
        var blkio = BlkioStats.newBuilder();
        for (var device : io.entrySet()) {
            String[] majorMinor = device.getKey().split(":");
            if (majorMinor.length != 2) {
                continue; // not a device line; io.stat has none today
            }
            long major = Long.parseLong(majorMinor[0]);
            long minor = Long.parseLong(majorMinor[1]);
            Map<String, Long> counters = device.getValue();
            blkio.addIoServiceBytesRecursive(entry(major, minor, "Read", counters.getOrDefault("rbytes", 0L)))
                    .addIoServiceBytesRecursive(entry(major, minor, "Write", counters.getOrDefault("wbytes", 0L)))
                    .addIoServicedRecursive(entry(major, minor, "Read", counters.getOrDefault("rios", 0L)))
                    .addIoServicedRecursive(entry(major, minor, "Write", counters.getOrDefault("wios", 0L)));
        }
        return blkio.build();
    }

    private static BlkioStatsEntry entry(long major, long minor, String op, long value) {
        return BlkioStatsEntry.newBuilder().setMajor(major).setMinor(minor).setOp(op).setValue(value).build();
    }

    /** One entry per huge page size, keyed as the files name it ({@code 2MB}). */
    private static void addHugetlb(CgroupDir cgroup, CgroupStats.Builder stats) throws IOException {
        if (!Files.isDirectory(cgroup.path())) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(cgroup.path(), "hugetlb.*.current")) {
            for (Path file : files) {
                Matcher size = HUGETLB_CURRENT.matcher(file.getFileName().toString());
                if (size.matches()) {
                    String prefix = "hugetlb." + size.group(1);
                    stats.putHugetlbStats(size.group(1), HugetlbStats.newBuilder()
                            .setUsage(cgroup.single(prefix + ".current").orElse(0L))
                            .setFailcnt(cgroup.flatKeyed(prefix + ".events").getOrDefault("max", 0L)).build());
                }
            }
        }
    }

    private static long micros(Map<String, Long> values, String key) {
        return values.getOrDefault(key, 0L) * NANOS_PER_MICRO;
    }
}
