package io.katacontainers.runtime.shim;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The shim's socket, derived as containerd 1.6's {@code shim.SocketAddress} does:
 * {@code unix:///run/containerd/s/<hex sha256 of filepath.Join(containerd address, namespace, id)>}. containerd and
 * every shim of a pod compute the same name, which is how a pod's containers find their sandbox's shim.
 */
public final class SocketAddress {
    /** Hard-coded in containerd 1.6 ({@code defaults.DefaultStateDir + "/s"}). */
    public static final Path SOCKET_DIR = Path.of("/run/containerd/s");
    public static final String SCHEME = "unix://";

    private SocketAddress() {
    }

    /** The socket path for a task (or pod) id. */
    public static Path of(String containerdAddress, String namespace, String id) {
        return of(SOCKET_DIR, containerdAddress, namespace, id);
    }

    static Path of(Path socketDir, String containerdAddress, String namespace, String id) {
        // filepath.Join cleans the result: Path.normalize drops "." and duplicate slashes alike.
        String joined = Path.of(containerdAddress, namespace, id).normalize().toString();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(joined.getBytes(StandardCharsets.UTF_8));
            return socketDir.resolve(HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JRE lacks SHA-256", e);
        }
    }

    /** The address as containerd reads it from our stdout and the bundle's {@code address} file. */
    public static String uri(Path socket) {
        return SCHEME + socket;
    }

    /** Whether a shim listens on the socket. */
    public static boolean canConnect(Path socket) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The socket path of an address, with or without the {@code unix://} scheme. */
    public static Path path(String address) {
        return Path.of(address.startsWith(SCHEME) ? address.substring(SCHEME.length()) : address);
    }
}
