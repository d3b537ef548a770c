package io.katacontainers.runtime.service;

import com.google.protobuf.InvalidProtocolBufferException;
import io.katacontainers.agent.proto.BlkioStats;
import io.katacontainers.agent.proto.BlkioStatsEntry;
import io.katacontainers.agent.proto.CgroupStats;
import io.katacontainers.agent.proto.CpuStats;
import io.katacontainers.agent.proto.CpuUsage;
import io.katacontainers.agent.proto.MemoryData;
import io.katacontainers.agent.proto.MemoryStats;
import io.katacontainers.agent.proto.PidsStats;
import io.katacontainers.agent.proto.StatsContainerResponse;
import io.katacontainers.agent.proto.ThrottlingData;
import io.katacontainers.containerd.cgroups.v2.Metrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class CgroupMetricsTest {
    private static BlkioStatsEntry entry(long minor, String op, long value) {
        return BlkioStatsEntry.newBuilder().setMajor(254).setMinor(minor).setOp(op).setValue(value).build();
    }

    @Test
    void theAgentsStatsBecomeContainerdsCgroupV2Metrics() throws InvalidProtocolBufferException {
        CgroupStats stats = CgroupStats.newBuilder()
                .setPidsStats(PidsStats.newBuilder().setCurrent(3).setLimit(-1))
                .setCpuStats(CpuStats.newBuilder()
                        .setCpuUsage(CpuUsage.newBuilder().setTotalUsage(1_500_000).setUsageInUsermode(1_000_000)
                                .setUsageInKernelmode(500_000))
                        .setThrottlingData(ThrottlingData.newBuilder().setPeriods(7).setThrottledPeriods(2)
                                .setThrottledTime(30_000)))
                .setMemoryStats(MemoryStats.newBuilder()
                        .setUsage(MemoryData.newBuilder().setUsage(4096).setLimit(64L << 20).setMaxUsage(8192))
                        .setSwapUsage(MemoryData.newBuilder().setUsage(0).setLimit(-1))
                        .putStats("anon", 1000).putStats("file", 2000).putStats("pgfault", 42)
                        .putStats("usage", 1).putStats("not_a_field", 5))
                .setBlkioStats(BlkioStats.newBuilder()
                        .addIoServiceBytesRecursive(entry(0, "Read", 4096))
                        .addIoServiceBytesRecursive(entry(0, "Write", 8192))
                        .addIoServiceBytesRecursive(entry(16, "Read", 1))
                        .addIoServicedRecursive(entry(0, "Read", 1))
                        .addIoServicedRecursive(entry(0, "Write", 2)))
                .build();

        var any = CgroupMetrics.pack(StatsContainerResponse.newBuilder().setCgroupStats(stats).build());
        assertEquals("io.containerd.cgroups.v2.Metrics", any.getTypeUrl());
        Metrics metrics = Metrics.parseFrom(any.getValue());

        assertEquals(3, metrics.getPids().getCurrent());
        assertEquals(-1, metrics.getPids().getLimit());
        assertEquals(1500, metrics.getCpu().getUsageUsec(), "nanoseconds back to microseconds");
        assertEquals(1000, metrics.getCpu().getUserUsec());
        assertEquals(500, metrics.getCpu().getSystemUsec());
        assertEquals(7, metrics.getCpu().getNrPeriods());
        assertEquals(2, metrics.getCpu().getNrThrottled());
        assertEquals(30, metrics.getCpu().getThrottledUsec());
        assertEquals(4096, metrics.getMemory().getUsage(), "the counter, not memory.stat's key of that name");
        assertEquals(64L << 20, metrics.getMemory().getUsageLimit());
        assertEquals(8192, metrics.getMemory().getMaxUsage());
        assertEquals(-1, metrics.getMemory().getSwapLimit());
        assertEquals(1000, metrics.getMemory().getAnon());
        assertEquals(2000, metrics.getMemory().getFile());
        assertEquals(42, metrics.getMemory().getPgfault());
        assertEquals(2, metrics.getIo().getUsageCount(), "one entry per device");
        var first = metrics.getIo().getUsage(0);
        assertEquals(254, first.getMajor());
        assertEquals(4096, first.getRbytes());
        assertEquals(8192, first.getWbytes());
        assertEquals(1, first.getRios());
        assertEquals(2, first.getWios());
        assertEquals(1, metrics.getIo().getUsage(1).getRbytes());
    }

    @Test
    void partsTheAgentDidNotReportStayUnset() throws InvalidProtocolBufferException {
        var any = CgroupMetrics.pack(StatsContainerResponse.getDefaultInstance());
        Metrics metrics = Metrics.parseFrom(any.getValue());
        assertFalse(metrics.hasCpu());
        assertFalse(metrics.hasMemory());
        assertFalse(metrics.hasPids());
        assertFalse(metrics.hasIo());
    }
}
