package io.katacontainers.ttrpc;

import java.io.IOException;

/** The peer broke the framing (truncated frame, unknown or misdirected message type): the connection is unusable. */
final class ProtocolException extends IOException {

  ProtocolException(String message) {
    super(message);
  }

  ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
