package io.katacontainers.agent.io;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ffm.libc.SyscallException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Feeds WriteStdin data to a process on a platform thread of its own (started on first use), so an RPC never
 * blocks in a native write while the process is not reading. Data is queued in order and written completely;
 * closing stdin takes effect after everything queued before it, so no byte is lost.
 */
final class InputPump {
    private static final System.Logger LOG = System.getLogger(InputPump.class.getName());
    private static final long CAPACITY = 1024 * 1024;
    private static final int POLL_MILLIS = 200;
    private static final int CHUNK = 64 * 1024;

    /** What closing stdin means for this descriptor, run on the pump thread after the last byte. */
    @FunctionalInterface
    interface Finisher {
        void finish(int fd) throws SyscallException;
    }

    private final String name;
    private final int fd;
    private final Finisher finisher;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queued;
    private boolean closing;
    private boolean stopped;
    private IOException failure;
    private Thread thread;

    InputPump(String name, int fd, Finisher finisher) {
        this.name = name;
        this.fd = fd;
        this.finisher = finisher;
    }

    /** Queues {@code data}, waiting while a megabyte is already queued. */
    void write(byte[] data) throws IOException, InterruptedException {
        lock.lock();
        try {
            while (queued >= CAPACITY && failure == null && !stopped) {
                changed.await();
            }
            if (failure != null) {
                throw new IOException("stdin of " + name + " is broken: " + failure.getMessage(), failure);
            }
            if (closing || stopped) {
                throw new IOException("stdin of " + name + " is closed");
            }
            queue.addLast(data);
            queued += data.length;
            startIfNeeded();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes stdin once the data queued so far is written. */
    void close() {
        lock.lock();
        try {
            if (!closing && !stopped) {
                closing = true;
                startIfNeeded();
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is queued and waits for the thread, after which the descriptor's owner may close it. */
    void stop() throws InterruptedException {
        Thread running;
        lock.lock();
        try {
            stopped = true;
            queue.clear();
            queued = 0;
            changed.signalAll();
            running = thread;
        } finally {
            lock.unlock();
        }
        if (running != null) {
            running.join(Duration.ofMillis(POLL_MILLIS * 5L));
        }
    }

    private void startIfNeeded() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name(name + " stdin").stackSize(256 * 1024).start(this::run);
        }
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK);
            byte[] data;
            while ((data = next()) != null) {
                for (int offset = 0; offset < data.length && !isStopped(); offset += CHUNK) {
                    int length = Math.min(CHUNK, data.length - offset);
                    MemorySegment.copy(data, offset, buffer, ValueLayout.JAVA_BYTE, 0, length);
                    writeFully(buffer.asSlice(0, length));
                }
            }
            if (!isStopped()) {
                finisher.finish(fd);
            }
        } catch (SyscallException e) {
            fail(e);
        } catch (InterruptedException e) {
            LOG.log(Level.DEBUG, "{0} stdin: interrupted", name);
        }
    }

    /** The next chunk, or null once stdin is closing with nothing left, or stopped. */
    private byte[] next() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !closing && !stopped) {
                changed.await();
            }
            if (stopped || queue.isEmpty()) {
                return null;
            }
            byte[] data = queue.removeFirst();
            queued -= data.length;
            changed.signalAll();
            return data;
        } finally {
            lock.unlock();
        }
    }

    private void writeFully(MemorySegment bytes) throws SyscallException {
        long offset = 0;
        while (offset < bytes.byteSize() && !isStopped()) {
            if (Poll.poll(fd, Poll.POLLOUT, POLL_MILLIS) == 0) {
                continue;
            }
            try {
                offset += Libc.write(fd, bytes.asSlice(offset));
            } catch (SyscallException e) {
                if (!e.is(Errno.EAGAIN)) {
                    throw e;
                }
            }
        }
    }

    private boolean isStopped() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    private void fail(SyscallException e) {
        // EPIPE: the process closed its stdin or exited; later writes report it to the caller.
        LOG.log(e.is(Errno.EPIPE) ? Level.DEBUG : Level.WARNING, "{0} stdin: {1}", name, e.getMessage());
        lock.lock();
        try {
            failure = e;
            queue.clear();
            queued = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
