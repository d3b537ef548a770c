package io.katacontainers.ttrpc;

import java.util.Optional;

/** The message type byte of a ttrpc frame header. */
enum FrameType {
  REQUEST(1),
  RESPONSE(2),
  /** Stream data, used by ttrpc's streaming RPCs; unary calls never carry it. */
  DATA(3);

  final int wire;

  FrameType(int wire) {
    this.wire = wire;
  }

  static Optional<FrameType> forWire(int value) {
    for (var type : values()) {
      if (type.wire == value) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
