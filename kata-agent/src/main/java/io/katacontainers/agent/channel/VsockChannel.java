package io.katacontainers.agent.channel;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ttrpc.TtrpcServer;
import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * Listens on an AF_VSOCK port. The host may connect more than once (a reconnecting shim, kata-runtime exec);
 * every connection is served on its own platform thread because its reads block in the kernel. A vsock listener
 * cannot be woken out of accept (shutdown answers ENOTCONN), so the accepting thread polls and checks for close.
 */
final class VsockChannel implements AgentListener {
    private static final System.Logger LOG = System.getLogger(VsockChannel.class.getName());
    private static final int BACKLOG = 16;

    private final int port;
    private volatile boolean closed;

    VsockChannel(int port) {
        this.port = port;
    }

    @Override
    public void start(TtrpcServer server) throws IOException {
        Fd listener = Sockets.listenVsock(port, BACKLOG, Sockets.SOCK_NONBLOCK);
        Thread.ofPlatform().daemon().name("vsock:" + port).stackSize(256 * 1024)
                .start(() -> accept(listener, server));
        LOG.log(Level.INFO, "listening on vsock port {0}", Integer.toString(port));
    }

    /** Stops accepting within one poll interval; the accepting thread closes the listener it owns. */
    @Override
    public void close() {
        closed = true;
    }

    private void accept(Fd listener, TtrpcServer server) {
        try (listener) {
            AcceptLoop.run(listener, () -> closed, connection -> Thread.ofPlatform().daemon()
                    .name("vsock:" + port + " connection").stackSize(256 * 1024)
                    .start(() -> serve(connection, server)));
        } catch (SyscallException e) {
            LOG.log(Level.ERROR, "vsock port {0} stops accepting: {1}", Integer.toString(port), e.getMessage());
        }
    }

    /** Serves one connection; the descriptor is closed here, by its owner, once serving ended. */
    private static void serve(Fd connection, TtrpcServer server) {
        try (connection) {
            server.serve(new FdTransport(connection));
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "closing a vsock connection failed: {0}", e.getMessage());
        }
    }
}
