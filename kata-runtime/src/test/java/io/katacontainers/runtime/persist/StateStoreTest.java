package io.katacontainers.runtime.persist;

import io.katacontainers.ffm.libc.Mounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class StateStoreTest {
    @TempDir
    Path temp;

    @Test
    void idsThatCouldEscapeTheStateDirectoryAreRefused() {
        StateStore store = new StateStore(temp);
        for (String bad : List.of("../etc", "a/b", "", ".hidden", "x".repeat(129), "sp ace")) {
            assertThrows(IllegalArgumentException.class, () -> store.sandboxDir(bad), bad);
        }
        assertEquals(temp.resolve("pod-1_a.b"), store.sandboxDir("pod-1_a.b"));
    }

    @Test
    void findsMountsUnderTheSandboxDeepestFirst() {
        String mountinfo = """
                22 1 0:21 / /run rw shared:5 - tmpfs tmpfs rw
                30 22 8:1 /tmp/b/rootfs /run/vc/sbs/c1/shared/c1/rootfs rw - ext4 /dev/sda1 rw
                31 22 0:40 / /run/vc/sbs/c1 rw - tmpfs tmpfs rw
                32 22 8:1 /x /run/vc/sbs/c10/shared rw - ext4 /dev/sda1 rw
                33 22 8:1 /y /run/vc/sbs/c1/with\\040space rw - ext4 /dev/sda1 rw
                """;
        assertEquals(List.of(Path.of("/run/vc/sbs/c1/shared/c1/rootfs"), Path.of("/run/vc/sbs/c1/with space"),
                Path.of("/run/vc/sbs/c1")), MountPoints.under(mountinfo.lines().toList(), Path.of("/run/vc/sbs/c1")));
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        List<Path> points = MountPoints.parse(List.of(
                "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw",
                "37 35 0:5 / /proc rw - proc proc rw"));
        assertEquals(List.of(Path.of("/mnt/with space"), Path.of("/proc")), points);
    }

    /** A rootfs still bind-mounted under the sandbox dir must survive the removal of the dir untouched. */
    @Test
    void removeDetachesMountsInsteadOfDeletingThroughThem() throws Exception {
        assumeTrue(isRoot(), "needs root to mount");
        Path userRootfs = Files.createDirectories(temp.resolve("bundle/rootfs"));
        Files.writeString(userRootfs.resolve("precious"), "keep me");
        StateStore store = new StateStore(temp.resolve("sbs"));
        Path shared = Files.createDirectories(store.sandboxDir("c1").resolve("shared/c1/rootfs"));
        Mounts.mount(userRootfs.toString(), shared, "", Mounts.MS_BIND, null);

        store.remove("c1");

        assertFalse(Files.exists(store.sandboxDir("c1")));
        assertTrue(Files.exists(userRootfs.resolve("precious")), "the user's rootfs was deleted through the mount");
        assertTrue(MountPoints.under(temp).isEmpty());
    }

    private static boolean isRoot() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(line -> line.startsWith("Uid:") && line.split("\\s+")[1].equals("0"));
    }
}
