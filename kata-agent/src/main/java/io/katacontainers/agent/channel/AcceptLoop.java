package io.katacontainers.agent.channel;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;

import java.util.function.BooleanSupplier;

/**
 * Accepts connections on a listening socket until its owner closes: it polls, so a close is seen within
 * {@link #POLL_MILLIS}, skips a connection that went away before it was accepted, and hands each new one over.
 */
final class AcceptLoop {
    /** How long one poll waits before the loop looks at its owner's close flag again. */
    static final int POLL_MILLIS = 500;

    /** Takes one accepted connection; owns it from then on. */
    @FunctionalInterface
    interface Handler {
        void accepted(Fd connection) throws SyscallException;
    }

    private AcceptLoop() {
    }

    /** Runs on the caller's thread until {@code closed} says so; a failing listener ends it with the error. */
    static void run(Fd listener, BooleanSupplier closed, Handler handler) throws SyscallException {
        while (!closed.getAsBoolean()) {
            if (Poll.poll(listener.get(), Poll.POLLIN, POLL_MILLIS) == 0) {
                continue;
            }
            Fd connection;
            try {
                connection = Sockets.accept(listener.get(), 0);
            } catch (SyscallException e) {
                if (e.is(Errno.EAGAIN) || e.is(Errno.ECONNABORTED)) {
                    continue;
                }
                throw e;
            }
            handler.accepted(connection);
        }
    }
}
