package io.katacontainers.errdefs;

import java.util.Objects;

/** A failure of a given kind, for code that reports one where it happens (unchecked, like the JDK's own). */
public class ErrdefsException extends RuntimeException implements Classified {
    private final ErrorKind kind;

    public ErrdefsException(ErrorKind kind, String message) {
        this(kind, message, null);
    }

    public ErrdefsException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public static ErrdefsException notFound(String message) {
        return new ErrdefsException(ErrorKind.NOT_FOUND, message);
    }

    public static ErrdefsException alreadyExists(String message) {
        return new ErrdefsException(ErrorKind.ALREADY_EXISTS, message);
    }

    public static ErrdefsException failedPrecondition(String message) {
        return new ErrdefsException(ErrorKind.FAILED_PRECONDITION, message);
    }

    public static ErrdefsException invalidArgument(String message) {
        return new ErrdefsException(ErrorKind.INVALID_ARGUMENT, message);
    }

    public static ErrdefsException unavailable(String message) {
        return new ErrdefsException(ErrorKind.UNAVAILABLE, message);
    }

    public static ErrdefsException notImplemented(String message) {
        return new ErrdefsException(ErrorKind.NOT_IMPLEMENTED, message);
    }

    @Override
    public ErrorKind kind() {
        return kind;
    }
}
