package io.katacontainers.api.virtiofs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How to run the C virtiofsd ({@code /usr/lib/qemu/virtiofsd}, shipped with QEMU) for one shared directory.
 *
 * @param binary the daemon ({@code virtio_fs_daemon})
 * @param socket the vhost-user socket it creates for the VMM, in the VM's run directory
 * @param source the host directory it serves
 * @param cache {@code virtio_fs_cache}: {@code never}/{@code none}, {@code auto} or {@code always}; kept as the
 *              daemon's name for it
 * @param sandbox {@code chroot} or {@code namespace}
 * @param extraArgs {@code virtio_fs_extra_args}, appended last so they can override ours
 * @throws IllegalArgumentException for a cache mode or sandbox the C daemon does not have
 */
public record VirtiofsdCommand(Path binary, Path socket, Path source, String cache, String sandbox,
                               List<String> extraArgs) {
    /** {@code none} breaks mmap of shared files (a JVM in the guest then dies reading its modules). */
    public static final String DEFAULT_CACHE = "auto";
    /** Needs no namespaces, so it also works inside containers; it forks no helper either. */
    public static final String DEFAULT_SANDBOX = "chroot";

    public VirtiofsdCommand {
        extraArgs = List.copyOf(extraArgs);
        cache = daemonCacheMode(cache);
        if (!sandbox.equals("chroot") && !sandbox.equals("namespace")) {
            throw new IllegalArgumentException("virtiofsd sandbox \"" + sandbox
                    + "\" is not one of chroot, namespace");
        }
    }

    /** The defaults: {@link #DEFAULT_CACHE} in a {@link #DEFAULT_SANDBOX}. */
    public static VirtiofsdCommand withDefaults(Path binary, Path socket, Path source, List<String> extraArgs) {
        return new VirtiofsdCommand(binary, socket, source, DEFAULT_CACHE, DEFAULT_SANDBOX, extraArgs);
    }

    /** The command line, binary first. */
    public List<String> arguments() {
        List<String> args = new ArrayList<>(List.of(
                binary.toString(),
                "--socket-path=" + socket,
                "-o", "source=" + source,
                "-o", "cache=" + cache,
                "-o", "sandbox=" + sandbox));
        args.addAll(extraArgs);
        return List.copyOf(args);
    }

    /** Kata's cache names mapped to the C daemon's; {@code metadata} only exists in the Rust daemon. */
    private static String daemonCacheMode(String configured) {
        return switch (configured.toLowerCase(Locale.ROOT)) {
            case "never", "none" -> "none";
            case "auto" -> "auto";
            case "always" -> "always";
            default -> throw new IllegalArgumentException("virtio_fs_cache = \"" + configured
                    + "\" is not supported by the C virtiofsd; use never (none), auto or always");
        };
    }
}
