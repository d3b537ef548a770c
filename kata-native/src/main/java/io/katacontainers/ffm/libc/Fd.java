package io.katacontainers.ffm.libc;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An owned file descriptor. Close it with try-with-resources; closing twice is a no-op, so an owner can close
 * eagerly and still sit in a try block. {@link #get()} refuses a closed descriptor, which stops the classic bug of
 * using a number the kernel has since handed to someone else.
 */
public final class Fd implements AutoCloseable {
    private final int number;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Fd(int number) {
        if (number < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + number);
        }
        this.number = number;
    }

    /** Takes ownership of a descriptor number returned by a system call. */
    public static Fd adopt(int number) {
        return new Fd(number);
    }

    /** The descriptor number, for passing to a system call. */
    public int get() {
        if (closed.get()) {
            throw new IllegalStateException("file descriptor " + number + " is already closed");
        }
        return number;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Closes the descriptor once. Linux releases the number even when close(2) reports an error (EINTR, EIO), so
     * the error is reported but the descriptor is considered closed either way.
     */
    @Override
    public void close() throws SyscallException {
        if (closed.compareAndSet(false, true)) {
            Libc.close(number);
        }
    }

    @Override
    public String toString() {
        return "Fd[" + number + (closed.get() ? ", closed]" : "]");
    }
}
