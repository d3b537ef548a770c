package io.katacontainers.agent.system;

import io.katacontainers.agent.proto.NetworkStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * StatsContainer's network part: the guest's interfaces from {@code /proc/net/dev}. The containers of a sandbox
 * share the VM's network, so every container reports the same interfaces, as in Kata. The loopback is left out.
 */
public final class NetDevStats {
    public static final Path PROC_NET_DEV = Path.of("/proc/net/dev");
    private static final int HEADER_LINES = 2;
    private static final int COUNTERS = 16;

    private NetDevStats() {
    }

    public static List<NetworkStats> read(Path file) throws IOException {
        return parse(Files.readString(file), file);
    }

    static List<NetworkStats> parse(String text, Path file) throws IOException {
        List<NetworkStats> interfaces = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = HEADER_LINES; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (lines[i].isBlank()) {
                continue;
            }
            String[] counters = colon < 0 ? new String[0] : lines[i].substring(colon + 1).strip().split("\\s+");
            if (counters.length != COUNTERS) {
                throw new IOException(file + ":" + (i + 1) + ": expected 'name: " + COUNTERS + " counters', got '"
                        + lines[i] + "'");
            }
            String name = lines[i].substring(0, colon).strip();
            if (name.equals("lo")) {
                continue;
            }
            try {
                // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs drop
                interfaces.add(NetworkStats.newBuilder().setName(name)
                        .setRxBytes(Long.parseUnsignedLong(counters[0]))
                        .setRxPackets(Long.parseUnsignedLong(counters[1]))
                        .setRxErrors(Long.parseUnsignedLong(counters[2]))
                        .setRxDropped(Long.parseUnsignedLong(counters[3]))
                        .setTxBytes(Long.parseUnsignedLong(counters[8]))
                        .setTxPackets(Long.parseUnsignedLong(counters[9]))
                        .setTxErrors(Long.parseUnsignedLong(counters[10]))
                        .setTxDropped(Long.parseUnsignedLong(counters[11])).build());
            } catch (NumberFormatException e) {
                throw new IOException(file + ":" + (i + 1) + ": not a counter: " + e.getMessage(), e);
            }
        }
        return interfaces;
    }
}
