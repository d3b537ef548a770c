package io.katacontainers.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.katacontainers.ttrpc.wire.Request;
import io.katacontainers.ttrpc.wire.Response;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A hand-rolled ttrpc peer for feeding a server arbitrary bytes. It encodes frames itself rather than through the
 * code under test, so that a symmetric framing bug would still show.
 */
final class RawConnection implements AutoCloseable {

  /** A response frame as received. */
  record Received(long streamId, int type, Response response) {}

  private final SocketChannel channel;
  private final DataInputStream in;

  RawConnection(Path socket) throws IOException {
    channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    in = new DataInputStream(Channels.newInputStream(channel));
  }

  static byte[] header(long length, long streamId, int type, int flags) {
    return ByteBuffer.allocate(10).putInt((int) length).putInt((int) streamId).put((byte) type).put((byte) flags)
        .array();
  }

  static byte[] request(String service, String method) {
    return Request.newBuilder().setService(service).setMethod(method).build().toByteArray();
  }

  /** Sends the parts with one write, so that a server closing early cannot split them. */
  void send(byte[]... parts) throws IOException {
    var buffer = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(part -> part.length).sum());
    Arrays.stream(parts).forEach(buffer::put);
    buffer.flip();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  /** Sends a well-formed frame. */
  void sendFrame(long streamId, int type, byte[] payload) throws IOException {
    send(header(payload.length, streamId, type, 0), payload);
  }

  void shutdownOutput() throws IOException {
    channel.shutdownOutput();
  }

  /** The next response frame, or a failure if none arrives within the timeout. */
  Received receive(Duration timeout) throws Exception {
    return within(timeout, () -> {
      int length = in.readInt();
      long streamId = Integer.toUnsignedLong(in.readInt());
      int type = in.readUnsignedByte();
      in.readUnsignedByte();
      byte[] payload = in.readNBytes(length);
      try {
        return new Received(streamId, type, Response.parseFrom(payload));
      } catch (InvalidProtocolBufferException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /**
   * True if the peer closes the connection within the timeout without sending anything more. A reset counts as a
   * close: Linux resets a unix socket whose peer closed with unread data.
   */
  boolean closedByPeer(Duration timeout) throws Exception {
    return within(timeout, () -> {
      try {
        in.readByte();
        return false;
      } catch (EOFException e) {
        return true;
      } catch (SocketException e) {
        if (e.getMessage() != null && e.getMessage().contains("reset")) {
          return true;
        }
        throw e;
      }
    });
  }

  private interface Read<T> {
    T read() throws IOException;
  }

  private static <T> T within(Duration timeout, Read<T> read) throws Exception {
    var result = new CompletableFuture<T>();
    Thread.ofVirtual().start(() -> {
      try {
        result.complete(read.read());
      } catch (IOException | RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    try {
      return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("no answer from the server within " + timeout, e);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
