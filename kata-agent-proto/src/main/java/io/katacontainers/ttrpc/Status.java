package io.katacontainers.ttrpc;

import com.google.protobuf.Any;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of a call, as {@code google.rpc.Status}: a code, a message for humans and optional typed details.
 *
 * @param code    the status code
 * @param message a description; empty for {@link Code#OK}
 * @param details extra protobuf messages; usually empty
 */
public record Status(Code code, String message, List<Any> details) {

  public Status {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    details = List.copyOf(details);
  }

  /** A status without details. */
  public Status(Code code, String message) {
    this(code, message, List.of());
  }

  public boolean isOk() {
    return code == Code.OK;
  }

  /** This status as the exception that callers and handlers throw. */
  public StatusException asException() {
    return new StatusException(this);
  }

  @Override
  public String toString() {
    return message.isEmpty() ? code.name() : code + ": " + message;
  }
}
