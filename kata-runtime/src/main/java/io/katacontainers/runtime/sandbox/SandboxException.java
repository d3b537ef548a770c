package io.katacontainers.runtime.sandbox;

import io.katacontainers.errdefs.Classified;
import io.katacontainers.errdefs.ErrorKind;

/**
 * A sandbox or container operation failed; the message says what and, where known, what to do. Its kind is its
 * cause's (the agent's code when the agent refused), else INTERNAL.
 */
public final class SandboxException extends Exception implements Classified {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public ErrorKind kind() {
        return getCause() instanceof Classified cause ? cause.kind() : ErrorKind.INTERNAL;
    }
}
