package io.katacontainers.agent.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.Storage;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage handling against a recording mounter: what a virtio-fs guest would mount, without a VM. */
class StoragesTest {
    @TempDir
    Path dir;

    /** Records calls and pretends they worked. */
    static final class RecordingMounter implements Mounter {
        final List<String> calls = new ArrayList<>();
        final Set<Path> mounted = new HashSet<>();

        @Override
        public void mount(String source, Path target, String fstype, MountOptions options) {
            calls.add("mount " + source + " " + target + " " + fstype + " " + options.flags() + " " + options.data());
            mounted.add(target);
        }

        @Override
        public void unmount(Path target) {
            calls.add("umount " + target);
            mounted.remove(target);
        }

        @Override
        public boolean isMountPoint(Path path) {
            return mounted.contains(path);
        }
    }

    private Storage virtioFs(Path mountPoint) {
        return Storage.newBuilder().setDriver("virtio-fs").setSource("kataShared").setFstype("virtiofs")
                .addOptions("nodev").setMountPoint(mountPoint.toString()).build();
    }

    @Test
    void theSharedFilesystemIsMountedByTagOnceAndReleasedByTheLastUser() throws Exception {
        var mounter = new RecordingMounter();
        var storages = new Storages(mounter);
        Path shared = dir.resolve("shared/containers");
        List<Path> sandbox = storages.add(List.of(virtioFs(shared)));
        List<Path> container = storages.add(List.of(virtioFs(shared)));
        assertEquals(List.of("mount kataShared " + shared + " virtiofs " + Mounts.MS_NODEV + " "), mounter.calls);
        assertTrue(Files.isDirectory(shared), "the mount point is created");
        storages.release(container);
        assertEquals(1, mounter.calls.size(), "still used by the sandbox");
        storages.release(sandbox);
        assertEquals("umount " + shared, mounter.calls.getLast());
    }

    @Test
    void aSharedFilesystemThatInitMountedAlreadyIsLeftAlone() throws Exception {
        var mounter = new RecordingMounter();
        Path shared = Files.createDirectories(dir.resolve("premounted"));
        mounter.mounted.add(shared);
        var storages = new Storages(mounter);
        storages.release(storages.add(List.of(virtioFs(shared))));
        assertEquals(List.of(), mounter.calls);
    }

    @Test
    void ephemeralStoragesAreTmpfsWithTheirMountOptionsAndFsGroup() throws Exception {
        var mounter = new RecordingMounter();
        Path point = dir.resolve("ephemeral");
        new Storages(mounter).add(List.of(Storage.newBuilder().setDriver("ephemeral").setSource("shm")
                .setFstype("tmpfs").addAllOptions(List.of("fsgid=100", "nosuid", "mode=1777", "size=1048576"))
                .setMountPoint(point.toString()).build()));
        assertEquals(List.of("mount shm " + point + " tmpfs " + Mounts.MS_NOSUID + " mode=1777,size=1048576"),
                mounter.calls, "Kata's shm options are mount options; fsgid is not one");
        assertEquals(100, Files.getAttribute(point, "unix:gid"), "fsgid gives the volume's group");
    }

    @Test
    void aFailureUndoesWhatTheSameRequestAttached() throws Exception {
        var mounter = new RecordingMounter();
        var storages = new Storages(mounter);
        Path first = dir.resolve("first");
        ErrdefsException e = assertThrows(ErrdefsException.class, () -> storages.add(List.of(
                virtioFs(first), Storage.newBuilder().setDriver("nvdimm").setMountPoint("/x").build())));
        assertTrue(e.getMessage().contains("nvdimm"), e.getMessage());
        assertEquals("umount " + first, mounter.calls.getLast());
        assertThrows(ErrdefsException.class, () -> storages.add(List.of(
                Storage.newBuilder().setDriver("local").setMountPoint("relative/path").build())));
    }

    @Test
    void localStoragesAreDirectoriesRemovedWithTheirContent() throws IOException {
        var storages = new Storages(new RecordingMounter());
        Path local = dir.resolve("local");
        List<Path> points = storages.add(List.of(Storage.newBuilder().setDriver("local").setSource("local")
                .addOptions("mode=0700").setMountPoint(local.toString()).build()));
        Files.writeString(local.resolve("file"), "x");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(local)));
        storages.release(points);
        assertTrue(Files.notExists(local));
        storages.add(List.of(Storage.newBuilder().setDriver("local").setSource("local")
                .addAllOptions(List.of("mode=0777", "fsgid=4242")).setMountPoint(local.toString()).build()));
        assertEquals(4242, Files.getAttribute(local, "unix:gid"));
    }
}
