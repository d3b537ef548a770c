package io.katacontainers.ttrpc;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads ttrpc frames from one connection; used by a single reader thread. */
final class FrameReader {

  private final InputStream in;
  private final byte[] header = new byte[Frames.HEADER_LENGTH];

  FrameReader(InputStream in) {
    // Small frames are common: buffering turns a header and its payload into one read(2).
    this.in = new BufferedInputStream(new NoAvailable(in), 64 * 1024);
  }

  /**
   * Hides the transport's {@code available()} from the buffer. A read that the buffer can only partly serve asks
   * {@code available()} whether to read on; on a virtio-serial port FileInputStream's available() fails (no
   * FIONREAD, no lseek), and that failure came after the buffered part of the frame had been consumed: every frame
   * over one 4 KiB virtio buffer (a CreateContainer with a seccomp profile) ended the session mid-frame, and the
   * next session read the rest of the payload as a header. With 0 the buffer returns what it has and the frame
   * reads loop for the rest.
   */
  private static final class NoAvailable extends FilterInputStream {
    NoAvailable(InputStream in) {
      super(in);
    }

    @Override
    public int available() {
      return 0;
    }
  }

  /**
   * The next frame. Oversized frames are skipped whole, as ttrpc's channel does, so the stream stays in step.
   *
   * @throws ProtocolException on a truncated frame or an unknown message type
   * @throws IOException       when reading fails
   */
  Inbound read() throws IOException {
    int got = in.readNBytes(header, 0, header.length);
    if (got == 0) {
      return new Inbound.EndOfStream();
    }
    if (got < header.length) {
      throw new ProtocolException("truncated frame header: " + got + " of " + header.length + " bytes");
    }
    long length = Frames.u32(header, 0);
    long streamId = Frames.u32(header, 4);
    int typeByte = header[8] & 0xFF;
    int flags = header[9] & 0xFF;
    // An unknown type means the peer speaks something else or the stream is out of step: nothing after it can
    // be trusted. (ttrpc skips such frames "for future compatibility"; no ttrpc version sends any.)
    var type = FrameType.forWire(typeByte).orElseThrow(() -> new ProtocolException(
        "unknown message type " + typeByte + " on stream " + streamId + " (length " + length + ")"));
    if (length > Frames.MAX_MESSAGE_LENGTH) {
      try {
        in.skipNBytes(length);
      } catch (EOFException e) {
        throw new ProtocolException("truncated oversized frame on stream " + streamId + ": " + length
            + " bytes announced", e);
      }
      return new Inbound.Oversized(streamId, type, length);
    }
    byte[] payload = in.readNBytes((int) length);
    if (payload.length < length) {
      throw new ProtocolException("truncated frame on stream " + streamId + ": " + length + " bytes announced, "
          + payload.length + " received before end of stream");
    }
    return new Inbound.Frame(streamId, type, flags, payload);
  }
}
