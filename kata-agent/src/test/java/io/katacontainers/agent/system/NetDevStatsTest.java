package io.katacontainers.agent.system;

import io.katacontainers.agent.proto.NetworkStats;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

// CHECKSTYLE.OFF: LineLength - /proc/net/dev's lines, as the kernel writes them, are wider than 120 columns.
class NetDevStatsTest {
    private static final Path FILE = Path.of("/proc/net/dev");
    private static final String HEADER = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            """;

    @Test
    void readsEveryInterfaceButTheLoopback() throws IOException {
        List<NetworkStats> stats = NetDevStats.parse(HEADER
                + "    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0\n"
                + "  eth0: 1234567     890    1    2    0     0          0         0   765432     321    3    4    0     0       0          0\n",
                FILE);
        // CHECKSTYLE.ON: LineLength
        assertEquals(1, stats.size());
        NetworkStats eth0 = stats.getFirst();
        assertEquals("eth0", eth0.getName());
        assertEquals(1234567, eth0.getRxBytes());
        assertEquals(890, eth0.getRxPackets());
        assertEquals(1, eth0.getRxErrors());
        assertEquals(2, eth0.getRxDropped());
        assertEquals(765432, eth0.getTxBytes());
        assertEquals(321, eth0.getTxPackets());
        assertEquals(3, eth0.getTxErrors());
        assertEquals(4, eth0.getTxDropped());
    }

    @Test
    void aTruncatedLineNamesTheLine() {
        IOException failure = assertThrows(IOException.class,
                () -> NetDevStats.parse(HEADER + "  eth0: 1 2 3\n", FILE));
        assertTrue(failure.getMessage().contains("/proc/net/dev:3"), failure.getMessage());
    }

    @Test
    void theMachinesOwnFileParses() throws IOException {
        for (NetworkStats stats : NetDevStats.read(NetDevStats.PROC_NET_DEV)) {
            assertTrue(!stats.getName().isEmpty() && !stats.getName().equals("lo"), stats.toString());
        }
    }
}
