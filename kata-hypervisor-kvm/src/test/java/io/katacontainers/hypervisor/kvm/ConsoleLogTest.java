package io.katacontainers.hypervisor.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
