package io.katacontainers.api.virtiofs;

import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.VmSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtiofsdCommandTest {
    private static final Path BINARY = Path.of("/usr/lib/qemu/virtiofsd");
    private static final Path SOCKET = Path.of("/run/vm/virtiofsd.sock");
    private static final Path SOURCE = Path.of("/run/shared");
    private static final Device.SharedFs SHARED = new Device.SharedFs("kataShared", SOURCE);

    @Test
    void servesTheDirectoryWithItsCacheModeInAChrootAndAppendsExtraArgs() {
        VirtiofsdCommand command = VirtiofsdCommand.withDefaultSandbox(BINARY, SOCKET, SOURCE, VirtiofsCache.AUTO,
                List.of("-o", "xattr"));
        assertEquals(List.of("/usr/lib/qemu/virtiofsd", "--socket-path=/run/vm/virtiofsd.sock",
                "-o", "source=/run/shared", "-o", "cache=auto", "-o", "sandbox=chroot", "-o", "xattr"),
                command.arguments());
    }

    @Test
    void aVmsCommandTakesTheDaemonCacheModeAndExtraArgsFromItsSpec() {
        VirtiofsdCommand command = VirtiofsdCommand.forVm(spec(VirtiofsCache.NEVER), SHARED, SOCKET);
        assertEquals(List.of("/usr/lib/qemu/virtiofsd", "--socket-path=/run/vm/virtiofsd.sock",
                "-o", "source=/run/shared", "-o", "cache=none", "-o", "sandbox=chroot", "--thread-pool-size=1"),
                command.arguments());
        assertTrue(VirtiofsdCommand.forVm(spec(VirtiofsCache.ALWAYS), SHARED, SOCKET).arguments()
                .contains("cache=always"));
    }

    @Test
    void anUnknownSandboxIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VirtiofsdCommand(BINARY, SOCKET, SOURCE, VirtiofsCache.AUTO, "none", List.of()));
        assertTrue(e.getMessage().contains("chroot, namespace"), e.getMessage());
        assertTrue(new VirtiofsdCommand(BINARY, SOCKET, SOURCE, VirtiofsCache.AUTO, "namespace", List.of())
                .arguments().contains("sandbox=namespace"));
    }

    private static VmSpec spec(VirtiofsCache cache) {
        return new VmSpec("sb1", Path.of("/run/vm"), Path.of("/usr/bin/qemu-system-x86_64"), "q35", 1, 256,
                Path.of("/k/vmlinux"), Optional.empty(), "", BINARY, cache, List.of("--thread-pool-size=1"),
                false);
    }
}
