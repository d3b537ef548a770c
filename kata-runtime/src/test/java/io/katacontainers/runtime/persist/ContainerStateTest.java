package io.katacontainers.runtime.persist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContainerStateTest {
    @TempDir
    Path dir;

    private static ContainerState live(String status) {
        ProcessHandle self = ProcessHandle.current();
        return new ContainerState("c1", "/b", "/b/rootfs", status, self.pid(),
                self.info().startInstant().map(Instant::toEpochMilli).orElse(0L), 42, "2026-01-01T00:00:00Z", null,
                Map.of("a", "b"));
    }

    @Test
    void roundTripsThroughTheStateFileAndLeavesNoTemporaryFile() throws IOException {
        ContainerState state = live(ContainerState.RUNNING).withExit(137);
        state.write(dir);
        state.withStatus(ContainerState.STOPPED).write(dir);
        assertEquals(Optional.of(state), ContainerState.read(dir));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only state.json");
        }
    }

    @Test
    void aMissingStateFileIsEmpty() throws IOException {
        assertEquals(Optional.empty(), ContainerState.read(dir));
    }

    @Test
    void unknownFieldsAreIgnored() throws IOException {
        Files.writeString(dir.resolve(ContainerState.FILE), "{\"id\":\"x\",\"status\":\"created\",\"future\":1}");
        assertEquals("x", ContainerState.read(dir).orElseThrow().id());
    }

    @Test
    void aLiveHolderReportsTheRecordedStatusInRuncShape() {
        Map<String, Object> oci = live(ContainerState.RUNNING).toOci();
        assertEquals("running", oci.get("status"));
        assertEquals(ProcessHandle.current().pid(), oci.get("pid"));
        assertEquals("c1", oci.get("id"));
        assertEquals("/b", oci.get("bundle"));
        assertEquals("/b/rootfs", oci.get("rootfs"));
        assertEquals("2026-01-01T00:00:00Z", oci.get("created"));
        assertEquals("", oci.get("owner"));
        assertEquals(Map.of("a", "b"), oci.get("annotations"));
        assertTrue(oci.containsKey("ociVersion"));
        assertEquals("created", live(ContainerState.CREATING).toOci().get("status"));
    }

    @Test
    void aDeadHolderMeansStoppedWithPidZero() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        ContainerState state = new ContainerState("c1", "/b", "/b/rootfs", ContainerState.RUNNING, dead.pid(), 0, 0,
                "t", null, null);
        assertFalse(state.holderAlive());
        assertEquals("stopped", state.toOci().get("status"));
        assertEquals(0, ((Number) state.toOci().get("pid")).intValue());
    }

    @Test
    void aReusedPidIsNotTheHolder() {
        ContainerState state = new ContainerState("c1", "/b", "/b/rootfs", ContainerState.RUNNING,
                ProcessHandle.current().pid(), 1_000, 0, "t", null, null);
        assertFalse(state.holderAlive(), "same pid, different start time");
    }

    @Test
    void theLockIsExclusiveAndGoneWithTheDirectory() throws Exception {
        try (SandboxLock lock = SandboxLock.acquire(dir).orElseThrow()) {
            assertTrue(Files.exists(dir.resolve(SandboxLock.FILE)));
        }
        assertEquals(Optional.empty(), SandboxLock.acquire(dir.resolve("gone")));
    }
}
