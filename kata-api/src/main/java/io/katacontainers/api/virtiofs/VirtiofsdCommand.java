package io.katacontainers.api.virtiofs;

import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.VmSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to run the C virtiofsd ({@code /usr/lib/qemu/virtiofsd}, shipped with QEMU) for one shared directory.
 *
 * @param binary the daemon ({@code virtio_fs_daemon})
 * @param socket the vhost-user socket it creates for the VMM, in the VM's run directory
 * @param source the host directory it serves
 * @param cache {@code virtio_fs_cache}
 * @param sandbox {@code chroot} or {@code namespace}
 * @param extraArgs {@code virtio_fs_extra_args}, appended last so they can override ours
 * @throws IllegalArgumentException for a sandbox the C daemon does not have
 */
public record VirtiofsdCommand(Path binary, Path socket, Path source, VirtiofsCache cache, String sandbox,
                               List<String> extraArgs) {
    /** Needs no namespaces, so it also works inside containers; it forks no helper either. */
    public static final String DEFAULT_SANDBOX = "chroot";

    public VirtiofsdCommand {
        Objects.requireNonNull(cache, "cache");
        extraArgs = List.copyOf(extraArgs);
        if (!sandbox.equals("chroot") && !sandbox.equals("namespace")) {
            throw new IllegalArgumentException("virtiofsd sandbox \"" + sandbox
                    + "\" is not one of chroot, namespace");
        }
    }

    /** The command in the {@link #DEFAULT_SANDBOX}. */
    public static VirtiofsdCommand withDefaultSandbox(Path binary, Path socket, Path source, VirtiofsCache cache,
                                                      List<String> extraArgs) {
        return new VirtiofsdCommand(binary, socket, source, cache, DEFAULT_SANDBOX, extraArgs);
    }

    /** The command that serves {@code shared}'s directory to a VM as its configuration says, on {@code socket}. */
    public static VirtiofsdCommand forVm(VmSpec spec, Device.SharedFs shared, Path socket) {
        return withDefaultSandbox(spec.virtiofsd(), socket, shared.source(), spec.virtiofsCache(),
                spec.virtiofsdExtraArgs());
    }

    /** The command line, binary first. */
    public List<String> arguments() {
        List<String> args = new ArrayList<>(List.of(
                binary.toString(),
                "--socket-path=" + socket,
                "-o", "source=" + source,
                "-o", "cache=" + cache.daemonName(),
                "-o", "sandbox=" + sandbox));
        args.addAll(extraArgs);
        return List.copyOf(args);
    }
}
