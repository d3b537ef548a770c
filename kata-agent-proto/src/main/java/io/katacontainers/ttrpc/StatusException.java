package io.katacontainers.ttrpc;

import java.util.Objects;

/**
 * A call that ended with a non-OK {@link Status}: thrown by {@link TtrpcClient} for errors from the peer and for
 * local failures (timeout, closed connection), and thrown by server handlers to answer with that status.
 */
public final class StatusException extends Exception {

  private final Status status;

  public StatusException(Status status) {
    this(status, null);
  }

  public StatusException(Status status, Throwable cause) {
    super(status.toString(), cause);
    this.status = Objects.requireNonNull(status, "status");
  }

  public StatusException(Code code, String message) {
    this(new Status(code, message));
  }

  public Status status() {
    return status;
  }

  public Code code() {
    return status.code();
  }
}
