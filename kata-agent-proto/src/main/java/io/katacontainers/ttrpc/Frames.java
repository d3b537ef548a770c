package io.katacontainers.ttrpc;

/** ttrpc framing: a 10-byte big-endian header (length u32, stream id u32, type u8, flags u8), then the payload. */
final class Frames {

  static final int HEADER_LENGTH = 10;
  /** ttrpc's messageLengthMax: longer payloads are refused in both directions. */
  static final int MAX_MESSAGE_LENGTH = 4 << 20;
  static final long MAX_STREAM_ID = 0xFFFF_FFFFL;

  private Frames() {}

  /** Header and payload in one array, so that a frame reaches the stream in a single write. */
  static byte[] encode(long streamId, FrameType type, byte[] payload) {
    if (payload.length > MAX_MESSAGE_LENGTH) {
      throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds the ttrpc maximum");
    }
    var frame = new byte[HEADER_LENGTH + payload.length];
    putU32(frame, 0, payload.length);
    putU32(frame, 4, streamId);
    frame[8] = (byte) type.wire;
    frame[9] = 0;
    System.arraycopy(payload, 0, frame, HEADER_LENGTH, payload.length);
    return frame;
  }

  /** The error text ttrpc uses for messages over the limit, so that both implementations report alike. */
  static Status oversized(long length) {
    return new Status(Code.RESOURCE_EXHAUSTED,
        "message length " + length + " exceed maximum message size of " + MAX_MESSAGE_LENGTH);
  }

  static long u32(byte[] b, int offset) {
    return ((b[offset] & 0xFFL) << 24) | ((b[offset + 1] & 0xFFL) << 16) | ((b[offset + 2] & 0xFFL) << 8)
        | (b[offset + 3] & 0xFFL);
  }

  private static void putU32(byte[] b, int offset, long value) {
    b[offset] = (byte) (value >>> 24);
    b[offset + 1] = (byte) (value >>> 16);
    b[offset + 2] = (byte) (value >>> 8);
    b[offset + 3] = (byte) value;
  }
}
