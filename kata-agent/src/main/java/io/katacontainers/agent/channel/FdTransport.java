package io.katacontainers.agent.channel;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ttrpc.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A ttrpc {@link Transport} over a connected socket the JDK cannot open (AF_VSOCK). Reads block in read(2), so the
 * connection must be served on a platform thread. {@link #close()} only shuts the socket down, which wakes that
 * thread; the thread that owns the descriptor closes it after serving, so its number is never reused under a
 * blocked read.
 */
final class FdTransport implements Transport {
    private static final int BUFFER = 64 * 1024;

    private final Fd socket;
    private final InputStream input = new SocketInput();
    private final OutputStream output = new SocketOutput();

    FdTransport(Fd socket) {
        this.socket = socket;
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

    /** Used by the serving thread only. */
    private final class SocketInput extends InputStream {
        private final ByteBuffer direct = ByteBuffer.allocateDirect(BUFFER);
        private final MemorySegment segment = MemorySegment.ofBuffer(direct);

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            int n;
            while (true) {
                try {
                    n = (int) Libc.read(socket.get(), segment.asSlice(0, Math.min(length, BUFFER)));
                    break;
                } catch (SyscallException e) {
                    if (!e.is(Errno.EINTR)) {
                        throw e;
                    }
                }
            }
            if (n == 0) {
                return -1;
            }
            direct.get(0, target, offset, n);
            return n;
        }
    }

    /** Writers hold the connection's write lock, so one at a time. */
    private final class SocketOutput extends OutputStream {
        private final ByteBuffer direct = ByteBuffer.allocateDirect(BUFFER);
        private final MemorySegment segment = MemorySegment.ofBuffer(direct);

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] source, int offset, int length) throws IOException {
            int done = 0;
            while (done < length) {
                int chunk = Math.min(length - done, BUFFER);
                direct.put(0, source, offset + done, chunk);
                long written = 0;
                while (written < chunk) {
                    try {
                        written += Libc.write(socket.get(), segment.asSlice(written, chunk - written));
                    } catch (SyscallException e) {
                        if (!e.is(Errno.EINTR)) {
                            throw e;
                        }
                    }
                }
                done += chunk;
            }
        }
    }
}
