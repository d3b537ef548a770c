package io.katacontainers.runtime.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.runtime.resource.ResourceLedger;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sandbox_bind_mounts: read-only shares of the whole sandbox, by last name, refused when they cannot be. */
class SandboxBindMountsTest {
    @TempDir
    Path dir;

    @Test
    void configuredPathsAreSharedReadOnlyByName() throws Exception {
        Path tools = Files.createDirectories(dir.resolve("opt/tools"));
        Files.writeString(tools.resolve("tool"), "t");
        Path key = Files.writeString(dir.resolve("key.pem"), "k");
        var shares = SandboxBindMounts.plan(List.of(tools.toString(), key.toString()), HostProbe.live());
        assertEquals(List.of(
                new ContainerMounts.Share(tools.toRealPath(), Path.of("sandbox-mounts/tools"),
                        GuestContract.GUEST_SHARED_DIR + "/sandbox-mounts/tools", true, true, false, false),
                new ContainerMounts.Share(key.toRealPath(), Path.of("sandbox-mounts/key.pem"),
                        GuestContract.GUEST_SHARED_DIR + "/sandbox-mounts/key.pem", false, true, false, false)),
                shares);

        Path shared = Files.createDirectories(dir.resolve("sbs/shared"));
        ResourceLedger ledger = ResourceLedger.of(dir.resolve("sbs"));
        var made = SharedMounts.shareAll(ledger, shared, shares);
        try {
            assertEquals("t", Files.readString(shared.resolve("sandbox-mounts/tools/tool")));
            assertThrows(FileSystemException.class,
                    () -> Files.writeString(shared.resolve("sandbox-mounts/tools/new"), "x"), "read-only");
        } finally {
            ledger.detachAll();
        }
        assertEquals(2, made.size());
        assertFalse(Files.exists(shared.resolve("sandbox-mounts")));
        assertTrue(Files.exists(tools.resolve("tool")));
    }

    @Test
    void missingEscapingRelativeAndRepeatedNamesAreRefused() throws Exception {
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(MountException.class, () -> SandboxBindMounts.plan(
                List.of(dir.resolve("gone").toString()), HostProbe.live())).kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(MountException.class, () -> SandboxBindMounts.plan(
                List.of("relative/path"), HostProbe.live())).kind());
        Path proc = Files.createSymbolicLink(dir.resolve("proc"), Path.of("/proc/self"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(MountException.class, () -> SandboxBindMounts.plan(
                List.of(proc.toString()), HostProbe.live())).kind());
        Path a = Files.createDirectories(dir.resolve("a/data"));
        Path b = Files.createDirectories(dir.resolve("b/data"));
        var repeated = assertThrows(MountException.class, () -> SandboxBindMounts.plan(
                List.of(a.toString(), b.toString()), HostProbe.live()));
        assertTrue(repeated.getMessage().contains("has the name data already"), repeated.getMessage());
    }
}
