package io.katacontainers.agent.channel;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ttrpc.TtrpcServer;
import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * Listens on an AF_VSOCK port. The host may connect more than once (a reconnecting shim, kata-runtime exec);
 * every connection is served on its own platform thread because its reads block in the kernel.
 */
final class VsockChannel implements AgentChannel {
    private static final System.Logger LOG = System.getLogger(VsockChannel.class.getName());
    private static final int BACKLOG = 16;

    private final int port;
    private Fd listener;

    VsockChannel(int port) {
        this.port = port;
    }

    @Override
    public void start(TtrpcServer server) throws IOException {
        listener = Sockets.listenVsock(port, BACKLOG);
        Fd owned = listener;
        Thread.ofPlatform().daemon().name("vsock:" + port).stackSize(256 * 1024).start(() -> accept(owned, server));
        LOG.log(Level.INFO, "listening on vsock port {0}", Integer.toString(port));
    }

    /** Stops accepting: shutdown wakes the blocked accept, whose thread then closes the listener. */
    @Override
    public void close() {
        if (listener != null) {
            try {
                Sockets.shutdown(listener.get());
            } catch (SyscallException | IllegalStateException e) {
                LOG.log(Level.DEBUG, "vsock listener already down: {0}", e.getMessage());
            }
        }
    }

    private void accept(Fd owned, TtrpcServer server) {
        try (owned) {
            while (true) {
                Fd connection = Sockets.accept(owned.get(), 0);
                Thread.ofPlatform().daemon().name("vsock:" + port + " connection").stackSize(256 * 1024)
                        .start(() -> serve(connection, server));
            }
        } catch (SyscallException e) {
            // EINVAL: the listener was shut down, the normal way out.
            LOG.log(e.is(Errno.EINVAL) ? Level.DEBUG : Level.ERROR, "vsock port {0} stops accepting: {1}", Integer.toString(port),
                    e.getMessage());
        }
    }

    private static void serve(Fd connection, TtrpcServer server) {
        try (connection) {
            server.serve(new FdTransport(connection));
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "closing a vsock connection failed: {0}", e.getMessage());
        }
    }
}
