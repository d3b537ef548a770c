package io.katacontainers.runtime.service;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The write end of one of containerd's output FIFOs. Opened read-write, so that opening never waits for
 * containerd's reader, writes never fail while no reader is there, and what the process wrote stays in the pipe
 * until a reader comes. {@link #closeWhenDrained} closes it only once a reader has taken everything: closing
 * earlier would throw away output that no reader has seen (Kata's seed bug).
 */
final class OutputFifo extends OutputStream {
    private static final Duration POLL = Duration.ofMillis(10);
    private final Path path;
    private final RandomAccessFile file;
    private final FileChannel channel;
    /** Same descriptor: its {@code available()} is FIONREAD, the bytes still unread in the pipe. */
    private final FileInputStream unread;

    private OutputFifo(Path path, RandomAccessFile file) throws IOException {
        this.path = path;
        this.file = file;
        this.channel = file.getChannel();
        this.unread = new FileInputStream(file.getFD());
    }

    static OutputFifo open(Path path) throws IOException {
        return new OutputFifo(path, new RandomAccessFile(path.toFile(), "rw"));
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(data, offset, length);
        while (buffer.hasRemaining()) {
            channel.write(buffer); // blocks while the pipe is full, until a reader drains it or close()
        }
    }

    /** Bytes written that no reader has taken yet. */
    int unread() throws IOException {
        return unread.available();
    }

    /**
     * Waits until a reader has taken everything, then closes, so that the reader sees end of file; gives up (and
     * leaves the FIFO open, for {@link #close}) once {@code patience} has passed. Polls FIONREAD: a pipe signals
     * room to write (POLLOUT), not that it is empty, so no event says "the reader took the last byte".
     *
     * @return whether it closed
     */
    boolean closeWhenDrained(Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (channel.isOpen() && unread() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(POLL);
        }
        close();
        return true;
    }

    @Override
    public void close() throws IOException {
        file.close(); // also closes the channel, waking a writer blocked on a full pipe
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
