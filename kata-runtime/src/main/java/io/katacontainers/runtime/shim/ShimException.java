package io.katacontainers.runtime.shim;

/** A shim action failed; the message says what and what to do, and becomes containerd's error. */
final class ShimException extends Exception {
    ShimException(String message) {
        super(message);
    }

    ShimException(String message, Throwable cause) {
        super(message, cause);
    }
}
