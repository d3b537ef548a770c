package io.katacontainers.api.virtiofs;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VirtiofsCacheTest {

    @Test
    void katasNamesBecomeTheCDaemonsNames() {
        assertEquals(VirtiofsCache.NEVER, VirtiofsCache.fromConfig("never"));
        assertEquals(VirtiofsCache.NEVER, VirtiofsCache.fromConfig("none"));
        assertEquals(VirtiofsCache.AUTO, VirtiofsCache.fromConfig("auto"));
        assertEquals(VirtiofsCache.ALWAYS, VirtiofsCache.fromConfig("always"));
        assertEquals("none", VirtiofsCache.NEVER.daemonName());
        assertEquals("auto", VirtiofsCache.AUTO.daemonName());
        assertEquals("always", VirtiofsCache.ALWAYS.daemonName());
        assertEquals(Optional.empty(), VirtiofsCache.problem("always"));
    }

    @Test
    void metadataIsRefusedWithTheDaemonItNeedsAndWhatToUseInstead() {
        assertEquals(Optional.of("\"metadata\" needs the Rust virtiofsd; QEMU's C virtiofsd, which Debian 12 ships, "
                + "has \"never\" (or \"none\"), \"auto\" or \"always\""), VirtiofsCache.problem("metadata"));
    }

    @Test
    void anUnknownOrMisspelledModeIsRefused() {
        assertEquals(Optional.of("\"Auto\" is not one of \"never\" (or \"none\"), \"auto\" or \"always\""),
                VirtiofsCache.problem("Auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtiofsCache.fromConfig("sometimes"));
        assertEquals("virtio_fs_cache: \"sometimes\" is not one of \"never\" (or \"none\"), \"auto\" or \"always\"",
                e.getMessage());
    }
}
