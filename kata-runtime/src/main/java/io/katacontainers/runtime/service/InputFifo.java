package io.katacontainers.runtime.service;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The read end of containerd's stdin FIFO. The first read opens it in blocking mode, so it waits for the client's
 * writer instead of seeing an end of file (or spinning on a hang-up) before the writer came; the input ends when
 * that writer closes, or when containerd says so with {@code CloseIO} ({@link #closeInput}), whichever comes first:
 * {@code ctr} may close its writer without CloseIO, or send CloseIO while its writer stays open.
 */
final class InputFifo extends InputStream {
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration DRAIN_PATIENCE = Duration.ofSeconds(5);
    private final Path path;
    private final Object lock = new Object();
    private volatile boolean ended;
    private RandomAccessFile file;
    private FileChannel channel;
    /** The same descriptor: its {@code available()} is FIONREAD, the bytes the reader has not taken yet. */
    private FileInputStream unread;

    private InputFifo(Path path) {
        this.path = path;
    }

    static InputFifo open(Path path) {
        return new InputFifo(path);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        try {
            return channel().read(ByteBuffer.wrap(buffer, offset, length)); // -1 once the writer closed
        } catch (ClosedChannelException e) { // includes AsynchronousCloseException from closeInput
            if (ended) {
                return -1;
            }
            throw e;
        }
    }

    private FileChannel channel() throws IOException {
        synchronized (lock) {
            if (ended) {
                throw new ClosedChannelException();
            }
            if (channel != null) {
                return channel;
            }
        }
        RandomAccessFile opened = new RandomAccessFile(path.toFile(), "r"); // waits for a writer
        synchronized (lock) {
            if (ended) {
                opened.close();
                throw new ClosedChannelException();
            }
            file = opened;
            channel = opened.getChannel();
            unread = new FileInputStream(opened.getFD());
            return channel;
        }
    }

    /**
     * End of input (CloseIO): lets the reader take what the client already wrote (up to a few seconds), then makes
     * its next read return end of file. Polls FIONREAD: nothing signals that a pipe became empty.
     */
    void closeInput() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + DRAIN_PATIENCE.toNanos();
        while (pending() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(POLL);
        }
        close();
    }

    /** Bytes in the pipe that the reader has not taken yet; 0 before it opened. */
    private int pending() throws IOException {
        synchronized (lock) {
            return channel == null || !channel.isOpen() ? 0 : unread.available();
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (ended) {
                return;
            }
            ended = true;
            if (file != null) {
                file.close(); // wakes a reader blocked in read()
                return;
            }
        }
        // A reader may wait in open() for a writer that never comes: be that writer for a moment.
        new RandomAccessFile(path.toFile(), "rw").close();
    }
}
