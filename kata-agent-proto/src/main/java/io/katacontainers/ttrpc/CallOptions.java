package io.katacontainers.ttrpc;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-call settings of {@link TtrpcClient}.
 *
 * @param timeout  how long to wait for the answer; {@link Duration#ZERO} waits forever. A positive timeout is also
 *                 sent as {@code timeout_nano} so that the server can give up at the same time.
 * @param metadata metadata sent with the request
 */
public record CallOptions(Duration timeout, Metadata metadata) {

  /** No timeout, no metadata. */
  public static final CallOptions DEFAULT = new CallOptions(Duration.ZERO, Metadata.empty());

  public CallOptions {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(metadata, "metadata");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout " + timeout);
    }
  }

  public static CallOptions ofTimeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  public CallOptions withTimeout(Duration timeout) {
    return new CallOptions(timeout, metadata);
  }

  public CallOptions withMetadata(Metadata metadata) {
    return new CallOptions(timeout, metadata);
  }

  boolean hasTimeout() {
    return !timeout.isZero();
  }
}
