package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.katacontainers.ttrpc.wire.Request;
import io.katacontainers.ttrpc.wire.Response;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a hostile server: the agent in the guest is untrusted, so whatever it sends may cost the call
 * it answers, or at worst its own connection, and never a caller blocked past its deadline or unbounded memory.
 * The server here is hand-rolled and encodes frames itself, so a framing bug shared with the client would show.
 */
class ClientRobustnessTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int FIVE_MIB = 5 << 20;
  private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

  @TempDir
  Path dir;
  private ServerSocketChannel listener;
  private TtrpcClient client;
  private HostileAgent agent;

  @BeforeEach
  void connect() throws Exception {
    Path socket = dir.resolve("agent.sock");
    listener = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(socket));
    client = TtrpcClient.connect(socket);
    agent = new HostileAgent(listener.accept());
  }

  @AfterEach
  void close() throws IOException {
    client.close();
    agent.close();
    listener.close();
  }

  @Test
  void oversizedAnswerFailsItsCallOnlyAndTheConnectionStaysInStep() throws Exception {
    var call = callAsync(WAIT);
    long stream = agent.receiveRequest().streamId();
    agent.send(header(FIVE_MIB, stream, 2), new byte[FIVE_MIB]);
    var refused = assertThrows(StatusException.class, () -> await(call));
    assertEquals(Code.RESOURCE_EXHAUSTED, refused.status().code(), refused.getMessage());
    assertTrue(client.isOpen());
    assertEchoWorks();
  }

  @Test
  void garbageClosesTheConnectionAndFailsThePendingCallAtOnce() throws Exception {
    var call = callAsync(Duration.ZERO);
    agent.receiveRequest();
    agent.send("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    var lost = assertThrows(StatusException.class, () -> await(call));
    assertEquals(Code.UNAVAILABLE, lost.status().code(), lost.getMessage());
    assertFalse(client.isOpen());
    var later = assertThrows(StatusException.class, () -> client.call("test.Echo", "Echo", PING,
        CallOptions.ofTimeout(WAIT)));
    assertEquals(Code.UNAVAILABLE, later.status().code());
  }

  @Test
  void aRequestFrameFromTheServerIsAProtocolError() throws Exception {
    var call = callAsync(Duration.ZERO);
    agent.receiveRequest();
    agent.send(frame(2, 1, RawConnection.request("evil.Host", "Exec")));
    var lost = assertThrows(StatusException.class, () -> await(call));
    assertEquals(Code.UNAVAILABLE, lost.status().code());
    assertTrue(lost.getMessage().contains("request frame"), lost.getMessage());
  }

  @Test
  void truncatedAnswerThenEndOfStreamFailsThePendingCall() throws Exception {
    var call = callAsync(Duration.ZERO);
    long stream = agent.receiveRequest().streamId();
    agent.send(header(100, stream, 2), new byte[10]);
    agent.shutdownOutput();
    var lost = assertThrows(StatusException.class, () -> await(call));
    assertEquals(Code.UNAVAILABLE, lost.status().code());
    assertTrue(lost.getMessage().contains("truncated"), lost.getMessage());
  }

  @Test
  void malformedAnswerFailsItsCallOnly() throws Exception {
    var call = callAsync(WAIT);
    long stream = agent.receiveRequest().streamId();
    agent.send(frame(stream, 2, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}));
    var bad = assertThrows(StatusException.class, () -> await(call));
    assertEquals(Code.INTERNAL, bad.status().code(), bad.getMessage());
    assertTrue(client.isOpen());
    assertEchoWorks();
  }

  @Test
  void answersAndDataForStreamsNobodyOpenedAreDroppedWithoutHoldingThem() throws Exception {
    var call = callAsync(WAIT);
    long stream = agent.receiveRequest().streamId();
    // A flood of 64 MiB for streams the client never opened (and stream data, which unary calls never get): the
    // reader drops each frame as it comes, so the heap holds at most one frame of it.
    byte[] junk = Response.newBuilder().setPayload(ByteString.copyFrom(new byte[1 << 20])).build().toByteArray();
    long heapBefore = usedHeap();
    for (int i = 0; i < 32; i++) {
      agent.send(frame(stream + 2 + 2L * i, 2, junk));
      agent.send(frame(stream + 1000 + 2L * i, 3, junk));
    }
    agent.answer(stream, PING);
    assertArrayEquals(PING, await(call));
    assertTrue(usedHeap() - heapBefore < 48L << 20, "the dropped frames were retained");
    assertEchoWorks();
  }

  @Test
  void aLateAnswerToATimedOutCallIsDropped() throws Exception {
    var timedOut = assertThrows(StatusException.class, () -> client.call("test.Echo", "Echo", PING,
        CallOptions.ofTimeout(Duration.ofMillis(200))));
    assertEquals(Code.DEADLINE_EXCEEDED, timedOut.status().code());
    long stream = agent.receiveRequest().streamId();
    agent.answer(stream, "late".getBytes(StandardCharsets.US_ASCII));
    assertEchoWorks();
  }

  @Test
  void aSlowLorisAnswerCostsTheCallerNoMoreThanItsDeadline() throws Exception {
    Duration deadline = Duration.ofMillis(500);
    long start = System.nanoTime();
    var call = callAsync(deadline);
    long stream = agent.receiveRequest().streamId();
    // The header, then a byte at a time: the reader is stuck in this frame, the caller is not.
    agent.send(header(64, stream, 2));
    var dripping = Thread.ofVirtual().start(() -> {
      try {
        for (int i = 0; i < 64; i++) {
          agent.send(new byte[] {0});
          Thread.sleep(100);
        }
      } catch (IOException e) {
        // the client closed: the drip ends
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    var late = assertThrows(StatusException.class, () -> await(call));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertEquals(Code.DEADLINE_EXCEEDED, late.status().code(), late.getMessage());
    assertTrue(took.compareTo(deadline.plusSeconds(3)) < 0, "the call waited " + took);
    client.close();
    dripping.join(WAIT.toMillis());
    assertFalse(dripping.isAlive(), "closing the client did not end the connection");
  }

  private void assertEchoWorks() throws Exception {
    var call = callAsync(WAIT);
    var request = agent.receiveRequest();
    assertEquals("test.Echo", request.request().getService());
    agent.answer(request.streamId(), request.request().getPayload().toByteArray());
    assertArrayEquals(PING, await(call));
  }

  private CompletableFuture<byte[]> callAsync(Duration timeout) {
    var result = new CompletableFuture<byte[]>();
    Thread.ofVirtual().start(() -> {
      try {
        result.complete(client.call("test.Echo", "Echo", PING, timeout.isZero() ? CallOptions.DEFAULT
            : CallOptions.ofTimeout(timeout)));
      } catch (StatusException | RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private static byte[] await(CompletableFuture<byte[]> call) throws Exception {
    try {
      return call.get(WAIT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  private static long usedHeap() {
    var runtime = Runtime.getRuntime();
    System.gc();
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static byte[] header(long length, long streamId, int type) {
    return RawConnection.header(length, streamId, type, 0);
  }

  private static byte[] frame(long streamId, int type, byte[] payload) {
    return ByteBuffer.allocate(10 + payload.length).put(header(payload.length, streamId, type)).put(payload)
        .array();
  }

  /** The server side of one connection, speaking raw frames. */
  private static final class HostileAgent implements AutoCloseable {
    record Received(long streamId, Request request) {}

    private final SocketChannel channel;
    private final DataInputStream in;

    HostileAgent(SocketChannel channel) {
      this.channel = channel;
      this.in = new DataInputStream(Channels.newInputStream(channel));
    }

    Received receiveRequest() throws IOException {
      int length = in.readInt();
      long streamId = Integer.toUnsignedLong(in.readInt());
      int type = in.readUnsignedByte();
      in.readUnsignedByte();
      assertEquals(1, type, "the client sent a frame that is not a request");
      return new Received(streamId, Request.parseFrom(in.readNBytes(length)));
    }

    void answer(long streamId, byte[] payload) throws IOException {
      send(frame(streamId, 2, Response.newBuilder().setPayload(ByteString.copyFrom(payload)).build()
          .toByteArray()));
    }

    void send(byte[]... parts) throws IOException {
      for (byte[] part : parts) {
        var buffer = ByteBuffer.wrap(part);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
    }

    void shutdownOutput() throws IOException {
      channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
