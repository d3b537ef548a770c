package io.katacontainers.runtime.sandbox;

/** A sandbox or container operation failed; the message says what and, where known, what to do. */
public final class SandboxException extends Exception {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
