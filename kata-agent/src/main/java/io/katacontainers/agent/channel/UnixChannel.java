package io.katacontainers.agent.channel;

import io.katacontainers.ttrpc.TtrpcServer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** A unix socket, for an agent running on a host (tests, development). */
final class UnixChannel implements AgentListener {
    private static final System.Logger LOG = System.getLogger(UnixChannel.class.getName());

    private final Path path;
    private ServerSocketChannel listener;

    UnixChannel(Path path) {
        this.path = path;
    }

    @Override
    public void start(TtrpcServer server) throws IOException {
        Files.deleteIfExists(path);
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path));
        ServerSocketChannel owned = listener;
        Thread.ofPlatform().daemon().name("unix:" + path).stackSize(256 * 1024).start(() -> listen(owned, server));
        LOG.log(Level.INFO, "listening on {0}", path);
    }

    @Override
    public void close() {
        if (listener != null) {
            try {
                listener.close();
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "closing {0} failed: {1}", path, e.getMessage());
            }
        }
    }

    private void listen(ServerSocketChannel owned, TtrpcServer server) {
        try {
            server.listen(owned);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "{0} stops accepting: {1}", path, e.getMessage());
        }
    }
}
