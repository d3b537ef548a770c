package io.katacontainers.runtime.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A terminal container's holder or relay does not hold this command's stdout and stderr (go-runc reads them to
 * their end): its descriptors 1 and 2 are a pipe of its own, and what it prints reaches this command's stderr.
 */
class TerminalChildTest {

    @Test
    void childWritesIntoItsOwnPipeCopiedToOurStderr() throws Exception {
        String ourStdout = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
        String ourStderr = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            TerminalChild child = TerminalChild.start(List.of("sh", "-c",
                    "echo out=$(readlink /proc/$$/fd/1); echo err=$(readlink /proc/$$/fd/2) >&2"));
            assertTrue(child.process().waitFor(30, TimeUnit.SECONDS), "the child ended");
            child.drain();
        } finally {
            System.setErr(saved);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        String out = output.lines().filter(line -> line.startsWith("out=")).findFirst().orElseThrow();
        String err = output.lines().filter(line -> line.startsWith("err=")).findFirst().orElseThrow();
        assertTrue(out.startsWith("out=pipe:"), "the child's stdout is a pipe: " + output);
        assertEquals(out.substring(4), err.substring(4), "stdout and stderr share the one pipe: " + output);
        assertNotEquals(ourStdout, out.substring(4), "not our stdout");
        assertNotEquals(ourStderr, err.substring(4), "not our stderr");
    }
}
