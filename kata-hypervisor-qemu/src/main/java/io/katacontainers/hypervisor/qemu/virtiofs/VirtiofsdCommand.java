package io.katacontainers.hypervisor.qemu.virtiofs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * virtiofsd's argument list (the C daemon shipped with QEMU: {@code /usr/lib/qemu/virtiofsd}).
 *
 * @param binary the daemon
 * @param socket the vhost-user socket it creates for QEMU
 * @param source the host directory it serves
 * @param extraArgs configured arguments, appended last so they can override ours
 */
public record VirtiofsdCommand(Path binary, Path socket, Path source, List<String> extraArgs) {
    public VirtiofsdCommand {
        extraArgs = List.copyOf(extraArgs);
    }

    public List<String> arguments() {
        List<String> args = new ArrayList<>(List.of(
                binary.toString(),
                "--socket-path=" + socket,
                "-o", "source=" + source,
                // cache=none breaks mmap of shared files (a JVM in the guest then dies reading its modules).
                "-o", "cache=auto",
                // chroot needs no namespaces, so it also works inside containers; it forks no helper either.
                "-o", "sandbox=chroot"));
        args.addAll(extraArgs);
        return List.copyOf(args);
    }
}
