package io.katacontainers.runtime.mount;

import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.errdefs.ErrorKind;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Kata's {@code sandbox_bind_mounts}: host paths shared read-only with the whole sandbox, at
 * {@code <shared>/sandbox-mounts/<name>} ({@code /run/kata-containers/shared/containers/sandbox-mounts/<name>} in the
 * guest) for as long as the sandbox lives. Resolved as container bind mounts are ({@link HostPaths}).
 */
public final class SandboxBindMounts {
    private SandboxBindMounts() {
    }

    /** The shares of the configured paths; a missing path, one that may not be shared, or a repeated name fail. */
    public static List<ContainerMounts.Share> plan(List<String> paths, HostProbe host)
            throws MountException, IOException {
        List<ContainerMounts.Share> shares = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String configured : paths) {
            String what = "sandbox_bind_mounts: " + configured;
            Path source = HostPaths.of(configured, "sandbox_bind_mounts", Optional.empty());
            Path real = HostPaths.shareable(source, what, host);
            String name = source.getFileName() == null ? "root" : source.getFileName().toString();
            if (!names.add(name)) {
                throw new MountException(ErrorKind.INVALID_ARGUMENT, what + ": another path of sandbox_bind_mounts "
                        + "has the name " + name + " already; each appears in the guest by its last name");
            }
            Path relative = Path.of(GuestContract.SANDBOX_MOUNTS_DIR, name);
            shares.add(new ContainerMounts.Share(real, relative, GuestContract.GUEST_SHARED_DIR + "/" + relative,
                    host.isDirectory(real), true, false, false));
        }
        return shares;
    }
}
