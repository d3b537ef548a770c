package io.katacontainers.hypervisor.qemu.virtiofs;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VirtiofsdCommandTest {
    @Test
    void servesTheDirectoryWithAutoCacheInAChrootAndAppendsExtraArgs() {
        VirtiofsdCommand command = new VirtiofsdCommand(Path.of("/usr/lib/qemu/virtiofsd"),
                Path.of("/run/vm/virtiofsd.sock"), Path.of("/run/shared"), List.of("-o", "xattr"));
        assertEquals(List.of("/usr/lib/qemu/virtiofsd", "--socket-path=/run/vm/virtiofsd.sock",
                "-o", "source=/run/shared", "-o", "cache=auto", "-o", "sandbox=chroot", "-o", "xattr"),
                command.arguments());
    }
}
