package io.katacontainers.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxCleanupTest {
    @TempDir
    Path dir;

    @Test
    void aCommandLineNamesTheDirectoryNotItsNamesakes() {
        assertTrue(SandboxCleanup.names("qemu -chardev socket,path=/run/vc/sbs/c1/agent.sock", "/run/vc/sbs/c1"));
        assertTrue(SandboxCleanup.names("virtiofsd -o source=/run/vc/sbs/c1", "/run/vc/sbs/c1"));
        assertFalse(SandboxCleanup.names("qemu path=/run/vc/sbs/c10/agent.sock", "/run/vc/sbs/c1"));
        assertFalse(SandboxCleanup.names("sleep 1", "/run/vc/sbs/c1"));
    }

    @Test
    void theSandboxsProcessesAreKilledAndGoneWhenTheCleanupReturns() throws Exception {
        Path runDir = dir.resolve("core19-sandbox");
        // A stand-in VMM whose command line names the sandbox directory: it follows a log there.
        Path log = Files.createFile(Files.createDirectories(runDir).resolve("console.log"));
        Process vmm = new ProcessBuilder("tail", "-f", log.toString()).start();
        try {
            assertEquals(1, SandboxCleanup.killProcesses(runDir));
            assertTrue(SandboxCleanup.awaitExit(vmm.pid(), Duration.ZERO),
                    "the process has exited (a zombie at most) when killProcesses returns");
        } finally {
            vmm.destroyForcibly().waitFor();
        }
    }

    @Test
    void aProcessThatRunsOnIsWaitedForUntilTheTimeout() throws Exception {
        Process other = new ProcessBuilder("sleep", "600").start();
        try {
            long start = System.nanoTime();
            assertFalse(SandboxCleanup.awaitExit(other.pid(), Duration.ofMillis(200)));
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos());
        } finally {
            other.destroyForcibly().waitFor();
        }
    }
}
