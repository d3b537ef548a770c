package io.katacontainers.agent.container;

import java.io.IOException;
import java.io.Serial;

/** An OCI runtime command failed; the message carries the runtime's own error text. */
final class OciRuntimeException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    OciRuntimeException(String message) {
        super(message);
    }
}
