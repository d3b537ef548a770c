package io.katacontainers.agent.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CreateSandbox's dns lines become the sandbox's resolv.conf, one per line, as Kata's agent writes them. */
class ResolvConfTest {
    @TempDir
    Path dir;

    @Test
    void theLinesAreWrittenStrippedOnePerLineInTheSandboxDirectory() throws Exception {
        Path file = ResolvConf.write(dir.resolve("sandbox"), List.of("nameserver 10.16.0.1 ", " search pod.example",
                "options ndots:5"));
        assertEquals(dir.resolve("sandbox/resolv.conf"), file);
        assertEquals("nameserver 10.16.0.1\nsearch pod.example\noptions ndots:5\n", Files.readString(file));
        ResolvConf.write(dir.resolve("sandbox"), List.of("nameserver fd16::1"));
        assertEquals("nameserver fd16::1\n", Files.readString(file), "a second CreateSandbox replaces the file");
    }
}
