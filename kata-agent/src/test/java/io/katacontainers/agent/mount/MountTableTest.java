package io.katacontainers.agent.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountTableTest {
    @Test
    void octalEscapesOfMountinfoAreDecoded() {
        assertEquals("/run/a dir\twith\\odd", MountTable.unescape("/run/a\\040dir\\011with\\134odd"));
        assertEquals("/plain", MountTable.unescape("/plain"));
    }

    @Test
    void theRootIsAMountPoint() throws Exception {
        assertTrue(MountTable.mountPoints().contains(Path.of("/")));
        assertTrue(new KernelMounter().isMountPoint(Path.of("/proc")));
    }
}
