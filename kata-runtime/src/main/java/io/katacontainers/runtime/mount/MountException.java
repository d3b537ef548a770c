package io.katacontainers.runtime.mount;

import io.katacontainers.errdefs.Classified;
import io.katacontainers.errdefs.ErrorKind;

/**
 * A container's mount cannot be given to the VM: its source is missing (NOT_FOUND), or is not a path that may be
 * shared (INVALID_ARGUMENT). The message names the mount and says what to change.
 */
public final class MountException extends Exception implements Classified {
    private final ErrorKind kind;

    public MountException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    @Override
    public ErrorKind kind() {
        return kind;
    }
}
