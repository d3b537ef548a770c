package io.katacontainers.hypervisor.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleLogTest {
    @TempDir
    Path dir;

    @Test
    void fileGetsEveryByteAndTailKeepsTheLastWholeLines() throws Exception {
        Path file = dir.resolve("console.log");
        try (ConsoleLog log = new ConsoleLog(file, 16)) {
            log.write("first line\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("first line\n", log.tail());
            assertEquals("first line\n", Files.readString(file), "flushed at the newline");
            log.write("second\nthird\npart".getBytes(StandardCharsets.US_ASCII));
            assertEquals("third\npart", log.tail(), "the cut line is dropped, the partial one kept");
        }
        assertEquals("first line\nsecond\nthird\npart", Files.readString(file));
    }

    @Test
    void aFloodingGuestGetsABoundedFileAndTheTailStillFollows() throws Exception {
        Path file = dir.resolve("flood.log");
        byte[] line = "guest spam spam spam spam\n".getBytes(StandardCharsets.US_ASCII);
        long max = 64 * 1024;
        try (ConsoleLog log = new ConsoleLog(file, 64, max)) {
            // A serial flood stand-in: ~4 MiB, byte by byte as the 8250 delivers it.
            for (int i = 0; i < 150_000; i++) {
                for (byte b : line) {
                    log.write(b);
                }
            }
            log.write("the very last line\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(150_000L * line.length + 19 - max, log.dropped());
            assertTrue(log.tail().endsWith("the very last line\n"), log.tail());
        }
        String text = Files.readString(file);
        assertTrue(Files.size(file) < max + 200, "file size " + Files.size(file));
        assertTrue(text.endsWith("[console.log reached 65536 bytes: the rest of the guest console is dropped]\n"),
                text.substring(text.length() - 200));
        assertTrue(text.startsWith("guest spam"), "the beginning (the boot) is kept");
    }
}
