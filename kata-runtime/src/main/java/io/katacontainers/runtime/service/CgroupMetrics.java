package io.katacontainers.runtime.service;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.katacontainers.agent.proto.BlkioStatsEntry;
import io.katacontainers.agent.proto.CgroupStats;
import io.katacontainers.agent.proto.StatsContainerResponse;
import io.katacontainers.containerd.cgroups.v2.CPUStat;
import io.katacontainers.containerd.cgroups.v2.HugeTlbStat;
import io.katacontainers.containerd.cgroups.v2.IOEntry;
import io.katacontainers.containerd.cgroups.v2.IOStat;
import io.katacontainers.containerd.cgroups.v2.MemoryStat;
import io.katacontainers.containerd.cgroups.v2.Metrics;
import io.katacontainers.containerd.cgroups.v2.PidsStat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The answer to containerd's Stats: the agent's cgroup statistics as containerd's cgroup v2 {@link Metrics}
 * ({@code ctr task metrics}, the kubelet's CRI stats), packed under the type URL containerd's registry knows.
 */
final class CgroupMetrics {
    /** containerd's typeurl names gogo-registered messages by their full name, without a host prefix. */
    static final String TYPE_URL = Metrics.getDescriptor().getFullName();
    private static final long NANOS_PER_MICRO = 1000;

    private CgroupMetrics() {
    }

    static Any pack(StatsContainerResponse stats) {
        return Any.newBuilder().setTypeUrl(TYPE_URL).setValue(of(stats.getCgroupStats()).toByteString()).build();
    }

    static Metrics of(CgroupStats stats) {
        var metrics = Metrics.newBuilder();
        if (stats.hasPidsStats()) {
            metrics.setPids(PidsStat.newBuilder().setCurrent(stats.getPidsStats().getCurrent())
                    .setLimit(stats.getPidsStats().getLimit()));
        }
        if (stats.hasCpuStats()) {
            var usage = stats.getCpuStats().getCpuUsage();
            var throttling = stats.getCpuStats().getThrottlingData();
            metrics.setCpu(CPUStat.newBuilder()
                    .setUsageUsec(usage.getTotalUsage() / NANOS_PER_MICRO)
                    .setUserUsec(usage.getUsageInUsermode() / NANOS_PER_MICRO)
                    .setSystemUsec(usage.getUsageInKernelmode() / NANOS_PER_MICRO)
                    .setNrPeriods(throttling.getPeriods())
                    .setNrThrottled(throttling.getThrottledPeriods())
                    .setThrottledUsec(throttling.getThrottledTime() / NANOS_PER_MICRO));
        }
        if (stats.hasMemoryStats()) {
            metrics.setMemory(memory(stats.getMemoryStats()));
        }
        if (stats.hasBlkioStats()) {
            metrics.setIo(io(stats.getBlkioStats().getIoServiceBytesRecursiveList(),
                    stats.getBlkioStats().getIoServicedRecursiveList()));
        }
        stats.getHugetlbStatsMap().forEach((size, hugetlb) -> metrics.addHugetlb(HugeTlbStat.newBuilder()
                .setPagesize(size).setCurrent(hugetlb.getUsage()).setMax(hugetlb.getMaxUsage())));
        return metrics.build();
    }

    /** memory.stat's keys fill the fields of the same names; usage, limits and swap come from the counters. */
    private static MemoryStat memory(io.katacontainers.agent.proto.MemoryStats stats) {
        var memory = MemoryStat.newBuilder();
        for (Map.Entry<String, Long> stat : stats.getStatsMap().entrySet()) {
            FieldDescriptor field = MemoryStat.getDescriptor().findFieldByName(stat.getKey());
            if (field != null && field.getNumber() < MemoryStat.USAGE_FIELD_NUMBER) {
                memory.setField(field, stat.getValue());
            }
        }
        return memory.setUsage(stats.getUsage().getUsage())
                .setUsageLimit(stats.getUsage().getLimit())
                .setMaxUsage(stats.getUsage().getMaxUsage())
                .setSwapUsage(stats.getSwapUsage().getUsage())
                .setSwapLimit(stats.getSwapUsage().getLimit())
                .build();
    }

    /** The agent's Read/Write entries per device, back into one io.stat line per device. */
    private static IOStat io(List<BlkioStatsEntry> bytes, List<BlkioStatsEntry> operations) {
        Map<String, IOEntry.Builder> devices = new TreeMap<>();
        for (BlkioStatsEntry entry : bytes) {
            var device = device(devices, entry);
            switch (entry.getOp()) {
                case "Read" -> device.setRbytes(entry.getValue());
                case "Write" -> device.setWbytes(entry.getValue());
                default -> { } // runc's v1 entries also carry Sync, Async, Total: v2 has no such counters
            }
        }
        for (BlkioStatsEntry entry : operations) {
            var device = device(devices, entry);
            switch (entry.getOp()) {
                case "Read" -> device.setRios(entry.getValue());
                case "Write" -> device.setWios(entry.getValue());
                default -> { }
            }
        }
        var io = IOStat.newBuilder();
        devices.values().forEach(io::addUsage);
        return io.build();
    }

    private static IOEntry.Builder device(Map<String, IOEntry.Builder> devices, BlkioStatsEntry entry) {
        return devices.computeIfAbsent(entry.getMajor() + ":" + entry.getMinor(),
                key -> IOEntry.newBuilder().setMajor(entry.getMajor()).setMinor(entry.getMinor()));
    }
}
