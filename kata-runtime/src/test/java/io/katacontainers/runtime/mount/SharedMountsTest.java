package io.katacontainers.runtime.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;
import io.katacontainers.runtime.sandbox.SandboxCleanup;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real bind mounts into a shared directory: written both ways, ro refusing writes, torn down from the ledger. */
class SharedMountsTest {
    @TempDir
    Path dir;

    @AfterEach
    void nothingLeftMounted() throws IOException {
        List<MountTable.Entry> left = MountTable.current().under(dir);
        for (MountTable.Entry entry : left.reversed()) {
            Mounts.unmount(entry.mountPoint(), Mounts.MNT_DETACH);
        }
        assertEquals(List.of(), left, "a test left mounts behind");
    }

    @Test
    void sharesAreWritableBothWaysReadOnlyWhenAskedAndGoWithTheLedger() throws Exception {
        Path runDir = Files.createDirectories(dir.resolve("sbs/pod"));
        Path shared = runDir.resolve("shared");
        Path data = Files.createDirectories(dir.resolve("data"));
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("app.conf"), "v=1\n");
        Path hosts = Files.writeString(dir.resolve("hosts"), "10.0.0.1 pod\n");
        ResourceLedger ledger = ResourceLedger.of(runDir);
        ledger.attach(new Resource.SharedFs(shared), () -> Files.createDirectories(shared));
        var plan = ContainerMounts.plan("pod", "c1", List.of(
                bind(data, "/data", "rbind", "rw"), bind(config, "/config", "rbind", "ro"),
                bind(hosts, "/etc/hosts", "bind", "ro")), Optional.empty(), true, HostProbe.live());

        List<Resource.SharedMount> made = SharedMounts.shareAll(ledger, shared, plan.shares());

        Path dataShare = shared.resolve("c1/mounts/0-data");
        Files.writeString(dataShare.resolve("from-guest"), "g");
        assertEquals("g", Files.readString(data.resolve("from-guest")), "written through the share");
        Files.writeString(data.resolve("from-host"), "h");
        assertEquals("h", Files.readString(dataShare.resolve("from-host")), "seen through the share");
        Path configShare = shared.resolve("c1/mounts/1-config");
        assertEquals("v=1\n", Files.readString(configShare.resolve("app.conf")));
        assertThrows(FileSystemException.class, () -> Files.writeString(configShare.resolve("app.conf"), "v=2"),
                "a read-only share refuses writes, even root's");
        Path hostsShare = shared.resolve("c1/mounts/2-hosts");
        assertTrue(Files.isRegularFile(hostsShare), "a file is shared as a file");
        assertEquals("10.0.0.1 pod\n", Files.readString(hostsShare));
        assertThrows(FileSystemException.class, () -> Files.writeString(hostsShare, "x"));
        assertEquals(3, MountTable.current().under(shared).size());
        assertEquals(made.size() + 1, ResourceLedger.of(runDir).attached().size(), "each share is in the ledger");

        ledger.detach(made.getFirst());
        assertFalse(Files.exists(dataShare), "unshared: its mount point is gone");
        assertEquals("g", Files.readString(data.resolve("from-guest")), "the host's files stay");

        SandboxCleanup.cleanUp(runDir); // the cleanup after a crash: from the ledger on disk
        assertEquals(List.of(), MountTable.current().under(dir));
        assertFalse(Files.exists(runDir));
        assertEquals("v=1\n", Files.readString(config.resolve("app.conf")));
        assertTrue(Files.exists(hosts));
    }

    @Test
    void aSourceThatIsNotTheRealPathPlannedIsRefusedAndNothingIsLeft() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Path real = Files.createDirectories(dir.resolve("real"));
        Path swapped = Files.createSymbolicLink(dir.resolve("swapped"), real);
        ResourceLedger ledger = ResourceLedger.of(dir);
        var share = new ContainerMounts.Share(swapped, Path.of("c1/mounts/0-data"), "/guest", true, false, false,
                false);
        var failure = assertThrows(IOException.class,
                () -> SharedMounts.shareAll(ledger, shared, List.of(share)));
        assertTrue(failure.getMessage().contains("cannot share " + swapped), failure.getMessage());
        assertEquals(List.of(), ledger.attached());
        assertFalse(Files.exists(shared.resolve("c1/mounts")));
        assertThrows(IllegalArgumentException.class, () -> SharedMounts.share(ledger, shared,
                new ContainerMounts.Share(real, Path.of("../out"), "/guest", true, false, false, false)));
    }

    private static io.katacontainers.agent.proto.Mount bind(Path source, String destination, String... options) {
        return io.katacontainers.agent.proto.Mount.newBuilder().setType("bind").setSource(source.toString())
                .setDestination(destination).addAllOptions(List.of(options)).build();
    }
}
