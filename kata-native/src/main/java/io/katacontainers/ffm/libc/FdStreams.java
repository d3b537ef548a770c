package io.katacontainers.ffm.libc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Blocking streams over a descriptor the JDK cannot open itself (an AF_VSOCK socket). Reads block in read(2), so
 * they belong on a platform thread; EINTR is retried. The streams never close the descriptor: its owner does.
 */
public final class FdStreams {
    private static final int BUFFER = 64 * 1024;

    private FdStreams() {
    }

    /** An input stream for one reader thread at a time; end of stream when read(2) returns 0. */
    public static InputStream input(Fd fd) {
        return new FdInput(fd);
    }

    /** An output stream for one writer at a time; every write is written whole. */
    public static OutputStream output(Fd fd) {
        return new FdOutput(fd);
    }

    private static final class FdInput extends InputStream {
        private final Fd fd;
        private final ByteBuffer direct = ByteBuffer.allocateDirect(BUFFER);
        private final MemorySegment segment = MemorySegment.ofBuffer(direct);

        FdInput(Fd fd) {
            this.fd = fd;
        }

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
                    n = (int) Libc.read(fd.get(), segment.asSlice(0, Math.min(length, BUFFER)));
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

    private static final class FdOutput extends OutputStream {
        private final Fd fd;
        private final ByteBuffer direct = ByteBuffer.allocateDirect(BUFFER);
        private final MemorySegment segment = MemorySegment.ofBuffer(direct);

        FdOutput(Fd fd) {
            this.fd = fd;
        }

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
                        written += Libc.write(fd.get(), segment.asSlice(written, chunk - written));
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
