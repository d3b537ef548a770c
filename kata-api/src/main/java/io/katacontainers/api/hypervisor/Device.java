package io.katacontainers.api.hypervisor;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A device the runtime gives a VM through {@link Hypervisor#addDevice}. A driver that cannot provide one refuses it
 * with an {@link UnsupportedDeviceException}.
 */
public sealed interface Device {
    /** One line for messages, e.g. {@code shared-fs kataShared (/run/vc/sbs/x/shared)}. */
    String describe();

    /**
     * A host directory exported to the guest by virtio-fs under {@code tag}; the driver runs virtiofsd as its
     * {@link VmSpec} configures it (binary, cache mode, extra arguments), on a socket in its run directory.
     */
    record SharedFs(String tag, Path source) implements Device {
        public SharedFs {
            Objects.requireNonNull(tag, "tag");
            Objects.requireNonNull(source, "source");
        }

        @Override
        public String describe() {
            return "shared-fs " + tag + " (" + source + ")";
        }
    }

    /**
     * The channel the host reaches the guest's vsock {@code port} on (the agent's). The driver picks the guest's
     * context id and the host side: kernel vsock with a fresh context id, a hybrid-vsock unix socket in its run
     * directory, or, where the host has no vsock, a virtio-serial port; {@link Hypervisor#agentEndpoint()} says
     * which.
     */
    record Vsock(int port) implements Device {
        public Vsock {
            if (port < 1) {
                throw new IllegalArgumentException("vsock port must be positive, not " + port);
            }
        }

        @Override
        public String describe() {
            return "vsock (port " + port + ")";
        }
    }

    /** A virtio-net device on an open tap descriptor the runtime owns. */
    record Network(int tapFd, String mac, int mtu) implements Device {
        private static final Pattern MAC = Pattern.compile("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}");

        public Network {
            if (tapFd < 0) {
                throw new IllegalArgumentException("tap descriptor must not be negative, not " + tapFd);
            }
            if (!MAC.matcher(mac).matches()) {
                throw new IllegalArgumentException("not a MAC address: " + mac);
            }
            if (mtu < 68) {
                throw new IllegalArgumentException("MTU must be at least 68, not " + mtu);
            }
        }

        @Override
        public String describe() {
            return "network (tap fd " + tapFd + ", " + mac + ", mtu " + mtu + ")";
        }
    }

    /** A virtio-blk disk backed by a host file or block device. */
    record Block(Path path, boolean readOnly) implements Device {
        public Block {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String describe() {
            return "block " + path + (readOnly ? " (read-only)" : "");
        }
    }
}
