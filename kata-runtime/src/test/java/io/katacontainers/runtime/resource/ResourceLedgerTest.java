package io.katacontainers.runtime.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.runtime.persist.MountPoints;
import io.katacontainers.runtime.sandbox.SandboxCleanup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger records each resource before its setup, and the cleanup after a crash walks it back. */
class ResourceLedgerTest {
    @TempDir
    Path dir;

    @Test
    void aCrashedSandboxsResourcesAreTornDownFromItsLedger() throws Exception {
        Path runDir = Files.createDirectories(dir.resolve("sbs/c1"));
        Path shared = runDir.resolve("shared");
        Path source = Files.createDirectories(dir.resolve("rootfs"));
        Path target = shared.resolve("c1/rootfs");
        ResourceLedger ledger = ResourceLedger.of(runDir);
        ledger.attach(new Resource.SharedFs(shared), () -> Files.createDirectories(shared));
        ledger.attach(new Resource.HostMount(target), () -> {
            Files.createDirectories(target);
            Mounts.mount(source.toString(), target, "", Mounts.MS_BIND, null);
        });
        assertEquals(List.of(new Resource.SharedFs(shared), new Resource.HostMount(target)),
                ResourceLedger.of(runDir).attached(), "the ledger is on disk, in order");
        assertTrue(MountPoints.under(runDir).contains(target));

        SandboxCleanup.cleanUp(runDir); // what shim delete and kata-runtime delete --force do

        assertFalse(Files.exists(runDir));
        assertTrue(MountPoints.under(dir).isEmpty(), "nothing is left mounted");
    }

    @Test
    void aFailedSetupIsTornDownAndForgottenAndTeardownsAreIdempotent() throws Exception {
        ResourceLedger ledger = ResourceLedger.of(dir);
        Path target = dir.resolve("c1/rootfs");
        assertThrows(IOException.class, () -> ledger.attach(new Resource.HostMount(target), () -> {
            Files.createDirectories(target);
            throw new IOException("mount failed");
        }));
        assertEquals(List.of(), ResourceLedger.of(dir).attached());
        assertFalse(Files.exists(target.getParent()), "its empty parent went with it");
        new Resource.HostMount(target).teardown();
        assertEquals(new Resource.HostMount(target), Resource.parse(new Resource.HostMount(target).line()));
    }
}
