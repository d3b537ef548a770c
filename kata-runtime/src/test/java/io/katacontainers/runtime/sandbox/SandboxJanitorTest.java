package io.katacontainers.runtime.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sandbox janitor: dismissed, it touches nothing; orphaned (its owner's pipe closes, as when a shim is
 * SIGKILLed: the kernel closes the owner's end of the pipe), it kills what names the sandbox directory and removes
 * the directory.
 */
class SandboxJanitorTest {
    @TempDir
    Path dir;

    @Test
    void aDismissedJanitorLeavesTheDirectory() throws Exception {
        Path runDir = Files.createDirectories(dir.resolve("sbs/pod-a"));
        SandboxJanitor janitor = SandboxJanitor.start(runDir);
        long pid = janitor.pid();
        janitor.dismiss();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the janitor exited");
        assertTrue(Files.isDirectory(runDir), "nothing removed");
    }

    @Test
    void anOrphanedJanitorKillsTheSandboxsProcessesAndRemovesItsDirectory() throws Exception {
        // The janitor as the shim starts it; its pipe's writer end closes, as when the owner dies.
        Path second = Files.createDirectories(dir.resolve("sbs/pod-c"));
        // A stand-in VMM whose command line names a file in the directory, as QEMU's does.
        Path log = Files.writeString(second.resolve("qemu.log"), "");
        Process stand = new ProcessBuilder("tail", "-f", log.toString()).start();
        SandboxJanitor janitor = SandboxJanitor.start(second);
        janitor.orphan();
        assertTrue(stand.waitFor(30, TimeUnit.SECONDS), "the sandbox's process was killed");
        assertEquals(137, stand.exitValue());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Files.exists(second) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(second), "the directory is removed");
        assertEquals(List.of(), ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(a -> String.join(" ", a)).orElse("").contains(second.toString())).toList());
    }
}
