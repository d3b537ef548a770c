package io.katacontainers.check;

import java.io.Serial;

/** The checks could not start: /proc/cpuinfo is unreadable or names no architecture or vendor Kata supports. */
public final class HostCheckException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public HostCheckException(String message) {
        super(message);
    }

    public HostCheckException(String message, Throwable cause) {
        super(message, cause);
    }
}
