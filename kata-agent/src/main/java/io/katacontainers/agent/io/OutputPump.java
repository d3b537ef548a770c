package io.katacontainers.agent.io;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ffm.libc.SyscallException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * Copies a process's output descriptor into an {@link OutputBuffer} on a platform thread of its own: the read is
 * a native call, which would pin a virtual thread's carrier. The pump polls with a timeout, so it notices a stop
 * request; it never closes the descriptor, its owner does after {@link #stop()}.
 */
final class OutputPump {
    private static final System.Logger LOG = System.getLogger(OutputPump.class.getName());
    private static final int CHUNK = 64 * 1024;
    private static final int POLL_MILLIS = 200;

    private final int fd;
    private final OutputBuffer buffer;
    private final Thread thread;
    private volatile boolean stopping;

    OutputPump(String name, int fd, OutputBuffer buffer) {
        this.fd = fd;
        this.buffer = buffer;
        this.thread = Thread.ofPlatform().daemon().name(name).stackSize(256 * 1024).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Stops copying and waits for the thread, after which the descriptor may be closed. */
    void stop() throws InterruptedException {
        stopping = true;
        buffer.abandon();
        if (thread.isAlive()) {
            thread.join(Duration.ofMillis(POLL_MILLIS * 5L));
        }
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(CHUNK);
            while (!stopping && !buffer.isAbandoned()) {
                if (Poll.poll(fd, Poll.POLLIN, POLL_MILLIS) == 0) {
                    buffer.pumpIdle();
                    continue;
                }
                long n;
                try {
                    n = Libc.read(fd, chunk);
                } catch (SyscallException e) {
                    if (e.is(Errno.EAGAIN)) {
                        continue;
                    }
                    if (e.is(Errno.EIO)) {
                        // A pty master reads EIO once every slave descriptor is closed: its end of file.
                        break;
                    }
                    throw e;
                }
                if (n == 0) {
                    break;
                }
                buffer.put(chunk.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "{0}: reading output failed: {1}", thread.getName(), e.getMessage());
        } catch (InterruptedException e) {
            LOG.log(Level.DEBUG, "{0}: interrupted", thread.getName());
        } finally {
            buffer.end();
        }
    }
}
