package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** FrameReader over a transport like a virtio-serial port: 4 KiB per read, and an available() that fails. */
class FrameReaderTest {

  /** Hands out at most {@code chunk} bytes per read; available() fails as FileInputStream's does on the port. */
  private static final class SerialPortLike extends InputStream {
    private final byte[] data;
    private final int chunk;
    private int position;

    SerialPortLike(byte[] data, int chunk) {
      this.data = data;
      this.chunk = chunk;
    }

    @Override
    public int read() {
      return position < data.length ? data[position++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
      if (position >= data.length) {
        return -1;
      }
      int n = Math.min(Math.min(chunk, length), data.length - position);
      System.arraycopy(data, position, target, offset, n);
      position += n;
      return n;
    }

    @Override
    public int available() throws IOException {
      throw new IOException("Illegal seek");
    }
  }

  @Test
  void framesLargerThanOneTransportReadArriveWholeAndInStep() throws IOException {
    byte[] big = new byte[4251];
    Arrays.fill(big, (byte) 'x');
    byte[] small = {1, 2, 3};
    var wire = new ByteArrayOutputStream();
    wire.write(Frames.encode(71, FrameType.REQUEST, big));
    wire.write(Frames.encode(73, FrameType.REQUEST, small));
    var reader = new FrameReader(new SerialPortLike(wire.toByteArray(), 4096));

    var first = assertInstanceOf(Inbound.Frame.class, reader.read());
    assertEquals(71, first.streamId());
    assertArrayEquals(big, first.payload());
    var second = assertInstanceOf(Inbound.Frame.class, reader.read());
    assertEquals(73, second.streamId());
    assertArrayEquals(small, second.payload());
    assertInstanceOf(Inbound.EndOfStream.class, reader.read());
  }
}
