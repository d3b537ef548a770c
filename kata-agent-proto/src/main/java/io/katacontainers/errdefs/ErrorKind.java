package io.katacontainers.errdefs;

import io.katacontainers.ttrpc.Code;

/**
 * containerd's errdefs: the kinds of failure that mean the same on both sides of a ttrpc connection, each with the
 * status code it travels as. This is the one mapping between the two, both ways; codes without a kind of their own
 * arrive as {@link #UNKNOWN}.
 */
public enum ErrorKind {
    NOT_FOUND(Code.NOT_FOUND),
    ALREADY_EXISTS(Code.ALREADY_EXISTS),
    FAILED_PRECONDITION(Code.FAILED_PRECONDITION),
    INVALID_ARGUMENT(Code.INVALID_ARGUMENT),
    UNAVAILABLE(Code.UNAVAILABLE),
    DEADLINE_EXCEEDED(Code.DEADLINE_EXCEEDED),
    NOT_IMPLEMENTED(Code.UNIMPLEMENTED),
    CANCELED(Code.CANCELLED),
    PERMISSION_DENIED(Code.PERMISSION_DENIED),
    INTERNAL(Code.INTERNAL),
    UNKNOWN(Code.UNKNOWN);

    private final Code code;

    ErrorKind(Code code) {
        this.code = code;
    }

    /** The status code a failure of this kind travels as. */
    public Code code() {
        return code;
    }

    /** The kind of a failure that arrived with {@code code}. */
    public static ErrorKind of(Code code) {
        for (ErrorKind kind : values()) {
            if (kind.code == code) {
                return kind;
            }
        }
        return UNKNOWN;
    }
}
