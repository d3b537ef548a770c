package io.katacontainers.agent.io;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a process wrote to stdout or stderr and nobody has read yet. A pump fills it from the descriptor and blocks
 * while it is full, so a slow reader slows the process down instead of losing bytes; ReadStdout/ReadStderr take
 * from it. Bytes taken out are gone, bytes not yet taken survive a cancelled read.
 *
 * <p>End of stream is normally the pipe's: every writer closed it. A process can exit and leave a background child
 * holding the pipe, though, and then the stream would never end; like Kata's agent, once the process has exited
 * and the pipe has stayed empty for a short drain time, reads report end of stream. "Empty" is the pump's
 * observation (a poll that timed out), not the reader's: a pump that is merely slow to run loses nothing.
 */
public final class OutputBuffer {
    private static final byte[] END = new byte[0];

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private final Condition writable = lock.newCondition();
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private final long capacity;
    private final Duration drain;
    private int headOffset;
    private long size;
    private boolean ended;
    private boolean abandoned;
    private long exitedAtNanos;
    private boolean exited;
    private long idleSinceNanos;
    private boolean idle;

    /**
     * @param capacity bytes held before the pump has to wait
     * @param drain    how long a read waits for more output once the process has exited
     */
    public OutputBuffer(long capacity, Duration drain) {
        this.capacity = capacity;
        this.drain = drain;
    }

    /** Appends a chunk, waiting while the buffer is full; dropped if the stream was abandoned. */
    void put(byte[] chunk) throws InterruptedException {
        lock.lock();
        try {
            while (size >= capacity && !abandoned) {
                writable.await();
            }
            if (abandoned || ended) {
                return;
            }
            chunks.addLast(chunk);
            size += chunk.length;
            idle = false;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The descriptor reached end of file: readers get the rest, then end of stream. */
    void end() {
        lock.lock();
        try {
            ended = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Nobody will read any more: the pump should stop, readers see end of stream. */
    void abandon() {
        lock.lock();
        try {
            abandoned = true;
            ended = true;
            chunks.clear();
            size = 0;
            readable.signalAll();
            writable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isAbandoned() {
        lock.lock();
        try {
            return abandoned;
        } finally {
            lock.unlock();
        }
    }

    /** The pump found the descriptor empty (its poll timed out); the idle period lasts until the next chunk. */
    void pumpIdle() {
        lock.lock();
        try {
            if (!idle) {
                idle = true;
                idleSinceNanos = System.nanoTime();
                readable.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The process has exited: from now on reads stop waiting for output after the drain time. */
    void processExited() {
        lock.lock();
        try {
            if (!exited) {
                exited = true;
                exitedAtNanos = System.nanoTime();
                readable.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes up to {@code max} bytes, waiting until there are some.
     *
     * @return the bytes; an empty array at end of stream, as Kata's agent answers ReadStdout at EOF
     * @throws InterruptedException if the call was cancelled while waiting; no byte is lost then
     */
    public byte[] take(int max) throws InterruptedException {
        lock.lock();
        try {
            while (size == 0 && !ended) {
                if (!exited || !idle) {
                    readable.await();
                    continue;
                }
                long from = idleSinceNanos - exitedAtNanos > 0 ? idleSinceNanos : exitedAtNanos;
                long remaining = from + drain.toNanos() - System.nanoTime();
                if (remaining <= 0) {
                    // A leftover child still holds the pipe: give the stream up, as the process is gone.
                    abandon();
                    break;
                }
                readable.awaitNanos(remaining);
            }
            if (size == 0) {
                return END;
            }
            return removeUpTo(max);
        } finally {
            lock.unlock();
        }
    }

    private byte[] removeUpTo(int max) {
        int length = (int) Math.min(Math.max(max, 1), size);
        byte[] out = new byte[length];
        int copied = 0;
        while (copied < length) {
            byte[] head = chunks.peekFirst();
            int n = Math.min(head.length - headOffset, length - copied);
            System.arraycopy(head, headOffset, out, copied, n);
            copied += n;
            headOffset += n;
            if (headOffset == head.length) {
                chunks.removeFirst();
                headOffset = 0;
            }
        }
        size -= length;
        writable.signalAll();
        return out;
    }
}
