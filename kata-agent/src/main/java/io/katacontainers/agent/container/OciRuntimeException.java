package io.katacontainers.agent.container;

import io.katacontainers.errdefs.Classified;
import io.katacontainers.errdefs.ErrorKind;

import java.io.IOException;
import java.io.Serial;

/** An OCI runtime command failed; the message carries the runtime's own error text. */
final class OciRuntimeException extends IOException implements Classified {
    @Serial
    private static final long serialVersionUID = 1L;

    OciRuntimeException(String message) {
        super(message);
    }

    @Override
    public ErrorKind kind() {
        return ErrorKind.INTERNAL;
    }
}
