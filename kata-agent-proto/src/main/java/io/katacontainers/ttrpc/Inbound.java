package io.katacontainers.ttrpc;

/** What {@link FrameReader#read()} hands over: a frame, a skipped oversized frame, or the end of the stream. */
sealed interface Inbound {

  /**
   * A complete frame.
   *
   * @param streamId the stream (call) it belongs to, 0 to 2^32-1
   */
  record Frame(long streamId, FrameType type, int flags, byte[] payload) implements Inbound {}

  /**
   * A frame longer than {@link Frames#MAX_MESSAGE_LENGTH}: its payload was read and dropped, so the stream stays
   * in step, and the peer is owed a RESOURCE_EXHAUSTED status, as ttrpc does.
   */
  record Oversized(long streamId, FrameType type, long length) implements Inbound {}

  /** The peer closed the stream cleanly, between two frames. */
  record EndOfStream() implements Inbound {}
}
