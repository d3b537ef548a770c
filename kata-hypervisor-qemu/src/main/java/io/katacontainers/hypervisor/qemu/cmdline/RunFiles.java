package io.katacontainers.hypervisor.qemu.cmdline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The files one VM keeps in its private run directory. */
public record RunFiles(Path dir, Path qmpSocket, Path agentSocket, Path virtiofsSocket, Path console, Path qemuLog,
                       Path virtiofsdLog, Path pidFile) {
    /** sun_path holds 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    public static RunFiles in(Path runDir) {
        Path dir = runDir.toAbsolutePath();
        return new RunFiles(dir, dir.resolve("qmp.sock"), dir.resolve("agent.sock"), dir.resolve("virtiofsd.sock"),
                dir.resolve("console.log"), dir.resolve("qemu.log"), dir.resolve("virtiofsd.log"),
                dir.resolve("qemu.pid"));
    }

    public List<Path> sockets() {
        return List.of(qmpSocket, agentSocket, virtiofsSocket);
    }

    /** The longest socket path if it does not fit a unix socket address, so create() can refuse early. */
    public List<Path> socketsTooLong() {
        return sockets().stream()
                .filter(socket -> socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH)
                .toList();
    }
}
