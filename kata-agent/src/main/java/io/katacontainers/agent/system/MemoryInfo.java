package io.katacontainers.agent.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Memory facts GetGuestDetails reports for memory hotplug. */
public final class MemoryInfo {
    private static final Path BLOCK_SIZE = Path.of("/sys/devices/system/memory/block_size_bytes");
    private static final Path HOTPLUG_PROBE = Path.of("/sys/devices/system/memory/probe");

    private MemoryInfo() {
    }

    /** The memory block size (sysfs writes it in hex), 0 if the kernel has no memory hotplug. */
    public static long blockSizeBytes() throws IOException {
        try {
            String hex = Files.readString(BLOCK_SIZE).trim();
            if (hex.isEmpty()) {
                throw new IOException(BLOCK_SIZE + " is empty");
            }
            return Long.parseUnsignedLong(hex, 16);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (NumberFormatException e) {
            throw new IOException("invalid memory block size in " + BLOCK_SIZE + ": " + e.getMessage(), e);
        }
    }

    /** Whether memory can be added by writing addresses to the probe file. */
    public static boolean supportsHotplugProbe() {
        return Files.exists(HOTPLUG_PROBE);
    }
}
