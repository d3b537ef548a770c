package io.katacontainers.runtime.sandbox;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SandboxCleanupTest {
    @Test
    void aCommandLineNamesTheDirectoryNotItsNamesakes() {
        assertTrue(SandboxCleanup.names("qemu -chardev socket,path=/run/vc/sbs/c1/agent.sock", "/run/vc/sbs/c1"));
        assertTrue(SandboxCleanup.names("virtiofsd -o source=/run/vc/sbs/c1", "/run/vc/sbs/c1"));
        assertFalse(SandboxCleanup.names("qemu path=/run/vc/sbs/c10/agent.sock", "/run/vc/sbs/c1"));
        assertFalse(SandboxCleanup.names("sleep 1", "/run/vc/sbs/c1"));
    }
}
