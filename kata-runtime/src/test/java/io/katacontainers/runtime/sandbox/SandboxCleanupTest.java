package io.katacontainers.runtime.sandbox;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SandboxCleanupTest {
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
                Path.of("/run/vc/sbs/c1")), SandboxCleanup.mountsUnder(mountinfo, Path.of("/run/vc/sbs/c1")));
    }

    @Test
    void aCommandLineNamesTheDirectoryNotItsNamesakes() {
        assertTrue(SandboxCleanup.names("qemu -chardev socket,path=/run/vc/sbs/c1/agent.sock", "/run/vc/sbs/c1"));
        assertTrue(SandboxCleanup.names("virtiofsd -o source=/run/vc/sbs/c1", "/run/vc/sbs/c1"));
        assertFalse(SandboxCleanup.names("qemu path=/run/vc/sbs/c10/agent.sock", "/run/vc/sbs/c1"));
        assertFalse(SandboxCleanup.names("sleep 1", "/run/vc/sbs/c1"));
    }
}
