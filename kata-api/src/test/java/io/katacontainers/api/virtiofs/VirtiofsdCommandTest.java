package io.katacontainers.api.virtiofs;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtiofsdCommandTest {
    private static final Path BINARY = Path.of("/usr/lib/qemu/virtiofsd");
    private static final Path SOCKET = Path.of("/run/vm/virtiofsd.sock");
    private static final Path SOURCE = Path.of("/run/shared");

    @Test
    void servesTheDirectoryWithAutoCacheInAChrootAndAppendsExtraArgs() {
        VirtiofsdCommand command = VirtiofsdCommand.withDefaults(BINARY, SOCKET, SOURCE, List.of("-o", "xattr"));
        assertEquals(List.of("/usr/lib/qemu/virtiofsd", "--socket-path=/run/vm/virtiofsd.sock",
                "-o", "source=/run/shared", "-o", "cache=auto", "-o", "sandbox=chroot", "-o", "xattr"),
                command.arguments());
    }

    @Test
    void kataCacheNamesBecomeTheDaemonsNames() {
        assertEquals("none", command("never").cache());
        assertEquals("none", command("None").cache());
        assertEquals("auto", command("auto").cache());
        assertEquals("always", command("ALWAYS").cache());
        assertTrue(command("never").arguments().contains("cache=none"));
    }

    @Test
    void metadataCacheIsRefusedWithWhatToUseInstead() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> command("metadata"));
        assertEquals("virtio_fs_cache = \"metadata\" is not supported by the C virtiofsd; use never (none), auto "
                + "or always", e.getMessage());
    }

    @Test
    void anUnknownSandboxIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VirtiofsdCommand(BINARY, SOCKET, SOURCE, "auto", "none", List.of()));
        assertTrue(e.getMessage().contains("chroot, namespace"), e.getMessage());
        assertTrue(new VirtiofsdCommand(BINARY, SOCKET, SOURCE, "auto", "namespace", List.of()).arguments()
                .contains("sandbox=namespace"));
    }

    private static VirtiofsdCommand command(String cache) {
        return new VirtiofsdCommand(BINARY, SOCKET, SOURCE, cache, VirtiofsdCommand.DEFAULT_SANDBOX, List.of());
    }
}
