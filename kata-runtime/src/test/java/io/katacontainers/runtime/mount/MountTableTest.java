package io.katacontainers.runtime.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** mountinfo lines as the kernel writes them: optional fields, escaped spaces, stacked mounts. */
class MountTableTest {
    @Test
    void parsesPointsOptionsTypesAndSuperOptions() {
        var table = MountTable.parse(List.of(
                "22 1 0:21 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw,size=65536k",
                "30 22 0:30 / /dev/shm rw,noexec master:1 shared:9 - tmpfs shm rw,size=1024k",
                "31 1 8:1 /data /srv/my\\040dir ro,relatime - ext4 /dev/sda1 rw",
                "garbage"));
        assertEquals(3, table.entries().size());
        var top = table.at(Path.of("/dev/shm")).orElseThrow();
        assertEquals(List.of("rw", "size=1024k"), top.superOptions(), "the topmost of stacked mounts");
        assertEquals(List.of("rw", "noexec"), top.mountOptions());
        var spaced = table.at(Path.of("/srv/my dir")).orElseThrow();
        assertEquals("ext4", spaced.fsType());
        assertEquals(List.of("ro", "relatime"), spaced.mountOptions());
        assertEquals(Optional.empty(), table.at(Path.of("/srv")));
        assertEquals(2, table.under(Path.of("/dev")).size());
    }
}
