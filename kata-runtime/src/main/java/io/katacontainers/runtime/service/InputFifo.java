package io.katacontainers.runtime.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The read end of containerd's stdin FIFO. Opened read-write: opening never waits for containerd's writer and a
 * read never sees end of file (or spins on a hang-up) while no writer is connected; the process's stdin ends when
 * containerd says so with {@code CloseIO}, which {@link #closeInput} turns into end of file for the reader.
 */
final class InputFifo extends InputStream {
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration DRAIN_PATIENCE = Duration.ofSeconds(5);
    private final RandomAccessFile file;
    private final FileChannel channel;
    private final java.io.FileInputStream unread;
    private volatile boolean ended;

    private InputFifo(RandomAccessFile file) throws IOException {
        this.file = file;
        this.channel = file.getChannel();
        this.unread = new java.io.FileInputStream(file.getFD());
    }

    static InputFifo open(Path path) throws IOException {
        return new InputFifo(new RandomAccessFile(path.toFile(), "rw"));
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (ended) {
            return -1;
        }
        try {
            return channel.read(ByteBuffer.wrap(buffer, offset, length));
        } catch (ClosedChannelException e) { // includes AsynchronousCloseException from closeInput
            if (ended) {
                return -1;
            }
            throw e;
        }
    }

    /**
     * End of input: lets the reader take what containerd already wrote (up to a few seconds), then makes its
     * next read return end of file.
     */
    void closeInput() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + DRAIN_PATIENCE.toNanos();
        while (channel.isOpen() && unread.available() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(POLL);
        }
        ended = true;
        file.close();
    }

    @Override
    public void close() throws IOException {
        ended = true;
        file.close();
    }
}
