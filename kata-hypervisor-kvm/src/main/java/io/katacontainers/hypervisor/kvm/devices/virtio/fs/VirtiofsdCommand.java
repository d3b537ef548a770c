package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How to run the C virtiofsd ({@code /usr/lib/qemu/virtiofsd} from QEMU) for one shared directory.
 *
 * @param binary the daemon ({@code virtio_fs_daemon})
 * @param socket the vhost-user socket it creates, in the VM's run directory
 * @param source the host directory it serves
 * @param cache {@code virtio_fs_cache}: {@code never}/{@code none}, {@code auto} or {@code always}
 * @param sandbox {@code chroot} (works inside containers, forks nothing) or {@code namespace}
 * @param extraArgs {@code virtio_fs_extra_args}, appended last so they can override ours
 */
public record VirtiofsdCommand(Path binary, Path socket, Path source, String cache, String sandbox,
                               List<String> extraArgs) {
    /** The sandbox when nothing else is said: it needs no namespaces, so it also works inside containers. */
    public static final String DEFAULT_SANDBOX = "chroot";

    public VirtiofsdCommand {
        extraArgs = List.copyOf(extraArgs);
        cache = daemonCacheMode(cache);
        if (!sandbox.equals("chroot") && !sandbox.equals("namespace")) {
            throw new IllegalArgumentException("virtiofsd sandbox \"" + sandbox
                    + "\" is not one of chroot, namespace");
        }
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
