package io.katacontainers.agent.cgroup;

import io.katacontainers.agent.proto.CgroupStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cgroup v2 interface files as a 6.x kernel writes them, read into Kata's CgroupStats. */
class CgroupStatsReaderTest {
    @TempDir
    Path dir;

    private void write(String file, String content) throws IOException {
        Files.writeString(dir.resolve(file), content);
    }

    @Test
    void readsCpuMemoryPidsIoAndHugetlbInKatasUnits() throws IOException {
        write("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\n"
                + "throttled_usec 30\n");
        write("memory.current", "4096000\n");
        write("memory.max", "67108864\n");
        write("memory.peak", "5000000\n");
        write("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        write("memory.stat", "anon 1000\nfile 2000\nkernel 300\npgfault 42\n");
        write("memory.swap.current", "0\n");
        write("memory.swap.max", "max\n");
        write("pids.current", "3\n");
        write("pids.max", "max\n");
        write("io.stat", "254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
        write("hugetlb.2MB.current", "2097152\n");
        write("hugetlb.2MB.events", "max 4\n");

        CgroupStats stats = CgroupStatsReader.read(new CgroupDir(dir));

        var cpu = stats.getCpuStats();
        assertEquals(1_500_000, cpu.getCpuUsage().getTotalUsage(), "microseconds become nanoseconds");
        assertEquals(1_000_000, cpu.getCpuUsage().getUsageInUsermode());
        assertEquals(500_000, cpu.getCpuUsage().getUsageInKernelmode());
        assertEquals(7, cpu.getThrottlingData().getPeriods());
        assertEquals(2, cpu.getThrottlingData().getThrottledPeriods());
        assertEquals(30_000, cpu.getThrottlingData().getThrottledTime());

        var memory = stats.getMemoryStats();
        assertEquals(4_096_000, memory.getUsage().getUsage());
        assertEquals(64L << 20, memory.getUsage().getLimit());
        assertEquals(5_000_000, memory.getUsage().getMaxUsage());
        assertEquals(3, memory.getUsage().getFailcnt(), "times the limit was hit");
        assertEquals(2000, memory.getCache());
        assertEquals(42, memory.getStatsOrThrow("pgfault"));
        assertEquals(300, memory.getKernelUsage().getUsage());
        assertEquals(CgroupDir.UNLIMITED, memory.getSwapUsage().getLimit(), "max is the largest unsigned value");

        assertEquals(3, stats.getPidsStats().getCurrent());
        assertEquals(CgroupDir.UNLIMITED, stats.getPidsStats().getLimit());

        var io = stats.getBlkioStats();
        assertEquals(2, io.getIoServiceBytesRecursiveCount());
        assertEquals(254, io.getIoServiceBytesRecursive(1).getMajor());
        assertEquals("Write", io.getIoServiceBytesRecursive(1).getOp());
        assertEquals(8192, io.getIoServiceBytesRecursive(1).getValue());
        assertEquals(1, io.getIoServicedRecursive(0).getValue());

        assertEquals(2_097_152, stats.getHugetlbStatsOrThrow("2MB").getUsage());
        assertEquals(4, stats.getHugetlbStatsOrThrow("2MB").getFailcnt());
    }

    @Test
    void aControllerWithoutFilesLeavesItsPartUnset() throws IOException {
        write("pids.current", "1\n");
        CgroupStats stats = CgroupStatsReader.read(new CgroupDir(dir));
        assertTrue(stats.hasPidsStats());
        assertFalse(stats.hasCpuStats());
        assertFalse(stats.hasMemoryStats());
        assertFalse(stats.hasBlkioStats());
    }

    @Test
    void aFileThatDoesNotParseNamesFileAndLine() throws IOException {
        write("cpu.stat", "usage_usec 10\nuser_usec ten\n");
        IOException failure = assertThrows(IOException.class, () -> CgroupStatsReader.read(new CgroupDir(dir)));
        assertTrue(failure.getMessage().contains("cpu.stat:2"), failure.getMessage());
        write("cpu.stat", "usage_usec 10 20\n");
        failure = assertThrows(IOException.class, () -> CgroupStatsReader.read(new CgroupDir(dir)));
        assertTrue(failure.getMessage().contains("cpu.stat:1"), failure.getMessage());
    }

    @Test
    void aCgroupPathIsResolvedUnderTheUnifiedHierarchy() {
        assertEquals(Path.of("/sys/fs/cgroup/kata/c1"), CgroupDir.of("/kata/c1").path());
    }
}
