package io.katacontainers.agent.channel;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.FdStreams;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ttrpc.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A ttrpc {@link Transport} over a connected socket the JDK cannot open (AF_VSOCK). Reads block in read(2), so the
 * connection must be served on a platform thread. {@link #close()} only shuts the socket down, which wakes that
 * thread; the thread that owns the descriptor closes it after serving, so its number is never reused under a
 * blocked read.
 */
final class FdTransport implements Transport {
    private final Fd socket;
    private final InputStream input;
    private final OutputStream output;

    FdTransport(Fd socket) {
        this.socket = socket;
        this.input = FdStreams.input(socket);
        this.output = FdStreams.output(socket);
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public void close() throws IOException {
        try {
            Sockets.shutdown(socket.get());
        } catch (SyscallException e) {
            if (!e.is(Errno.ENOTCONN)) {
                throw e;
            }
        }
    }
}
