package io.katacontainers.ttrpc;

import java.util.List;

/** The gRPC status codes that ttrpc carries in {@code google.rpc.Status.code}; the ordinal is the wire value. */
public enum Code {
  OK,
  CANCELLED,
  UNKNOWN,
  INVALID_ARGUMENT,
  DEADLINE_EXCEEDED,
  NOT_FOUND,
  ALREADY_EXISTS,
  PERMISSION_DENIED,
  RESOURCE_EXHAUSTED,
  FAILED_PRECONDITION,
  ABORTED,
  OUT_OF_RANGE,
  UNIMPLEMENTED,
  INTERNAL,
  UNAVAILABLE,
  DATA_LOSS,
  UNAUTHENTICATED;

  private static final List<Code> BY_VALUE = List.of(values());

  /** The number sent on the wire. */
  public int value() {
    return ordinal();
  }

  /** The code for a wire value; values no gRPC version defines map to {@link #UNKNOWN}, as gRPC does. */
  public static Code forValue(int value) {
    return value >= 0 && value < BY_VALUE.size() ? BY_VALUE.get(value) : UNKNOWN;
  }
}
