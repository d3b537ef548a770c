package io.katacontainers.agent.channel;

import io.katacontainers.api.guest.GuestContract;
import java.nio.file.Path;

/** Where the agent listens for the host. */
public sealed interface ChannelAddress permits ChannelAddress.Vsock, ChannelAddress.Serial, ChannelAddress.Unix {

    /** Kata's agent port. */
    int DEFAULT_VSOCK_PORT = GuestContract.AGENT_VSOCK_PORT;
    /** The virtio-serial port name Kata's runtime gives the agent channel. */
    String DEFAULT_SERIAL_PORT = GuestContract.AGENT_SERIAL_PORT;

    /** An AF_VSOCK port on any of the guest's context ids. */
    record Vsock(int port) implements ChannelAddress {
        public Vsock {
            if (port < 0) {
                throw new IllegalArgumentException("vsock port must not be negative: " + port);
            }
        }

        @Override
        public String toString() {
            return "vsock:" + port;
        }
    }

    /** A virtio-serial port, by its name ({@code agent.channel.0}) or device path. */
    record Serial(String nameOrPath) implements ChannelAddress {
        @Override
        public String toString() {
            return "serial:" + nameOrPath;
        }
    }

    /** A unix socket, for running the agent on a host. */
    record Unix(Path path) implements ChannelAddress {
        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /**
     * Parses {@code vsock:PORT}, Kata's {@code vsock://CID:PORT} (the cid is ignored: the agent listens on all),
     * {@code serial:NAME} or {@code serial:/dev/...}, and {@code unix:PATH} or {@code unix://PATH}.
     */
    static ChannelAddress parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("channel address needs a scheme (vsock:, serial:, unix:): " + text);
        }
        String scheme = text.substring(0, colon);
        String rest = text.substring(colon + 1);
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("empty channel address: " + text);
        }
        return switch (scheme) {
            case "vsock" -> new Vsock(parsePort(rest.substring(rest.lastIndexOf(':') + 1), text));
            case "serial" -> new Serial(rest);
            case "unix" -> new Unix(Path.of(rest));
            default -> throw new IllegalArgumentException("unknown channel scheme '" + scheme + "' in " + text);
        };
    }

    private static int parsePort(String port, String text) {
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid vsock port in " + text, e);
        }
    }
}
