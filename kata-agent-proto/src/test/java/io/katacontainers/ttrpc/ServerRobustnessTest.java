package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.agent.proto.HealthCheckResponse.ServingStatus;
import io.katacontainers.ttrpc.wire.Request;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed input sent to the Java server by a raw peer: each case must end (or be answered on) that connection
 * only, and the server must keep answering a well-behaved client afterwards.
 */
class ServerRobustnessTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int FIVE_MIB = 5 << 20;

  @TempDir
  Path dir;
  private Servers servers;
  private final CountDownLatch interrupted = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    var slow = ServiceDefinition.builder("test.Slow").method("Sleep", (payload, context) -> {
      try {
        Thread.sleep(Duration.ofMinutes(1));
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw e;
      }
      return payload;
    }).build();
    servers = Servers.listen(dir.resolve("ttrpc.sock"), HealthService.definition(), slow);
  }

  @AfterEach
  void stop() throws Exception {
    servers.close();
  }

  /** Byte sequences that make the stream untrustworthy; the raw peer keeps its side open unless noted. */
  static Stream<Arguments> connectionKillers() {
    byte[] check = RawConnection.request("grpc.Health", "Check");
    return Stream.of(
        Arguments.of("truncated header, then end of stream", true,
            new byte[][] {Arrays.copyOf(RawConnection.header(check.length, 1, 1, 0), 5)}),
        Arguments.of("truncated payload, then end of stream", true,
            new byte[][] {RawConnection.header(100, 1, 1, 0), new byte[10]}),
        Arguments.of("truncated oversized payload, then end of stream", true,
            new byte[][] {RawConnection.header(FIVE_MIB, 1, 1, 0), new byte[1 << 20]}),
        Arguments.of("unknown message type 9", false,
            new byte[][] {RawConnection.header(check.length, 1, 9, 0), check}),
        Arguments.of("message type 0", false,
            new byte[][] {RawConnection.header(0, 1, 0, 0)}),
        Arguments.of("response frame sent by a client", false,
            new byte[][] {RawConnection.header(0, 1, 2, 0)}),
        Arguments.of("text instead of frames", false,
            new byte[][] {"GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("connectionKillers")
  void malformedInputClosesOnlyThatConnection(String name, boolean endOfStream, byte[][] bytes) throws Exception {
    try (var good = TtrpcClient.connect(servers.socket()); var bad = new RawConnection(servers.socket())) {
      assertServing(good);
      bad.send(bytes);
      if (endOfStream) {
        bad.shutdownOutput();
      }
      assertTrue(bad.closedByPeer(WAIT), "the server should close the connection after: " + name);
      assertServing(good);
    }
    try (var fresh = TtrpcClient.connect(servers.socket())) {
      assertServing(fresh);
    }
  }

  @Test
  void lengthShorterThanThePayloadIsAnsweredThenTheLeftoverClosesTheConnection() throws Exception {
    try (var bad = new RawConnection(servers.socket())) {
      // The header announces 4 bytes that do not parse as a Request; the 10 bytes after them read as a header
      // with message type 7.
      bad.send(RawConnection.header(4, 1, 1, 0), "AAAA".getBytes(StandardCharsets.US_ASCII),
          RawConnection.header(0, 3, 7, 0));
      var answer = bad.receive(WAIT);
      assertEquals(1, answer.streamId());
      assertEquals(Code.INVALID_ARGUMENT.value(), answer.response().getStatus().getCode());
      assertTrue(answer.response().getStatus().getMessage().startsWith("unmarshal request error"),
          answer.response().getStatus().getMessage());
      assertTrue(bad.closedByPeer(WAIT));
    }
    try (var fresh = TtrpcClient.connect(servers.socket())) {
      assertServing(fresh);
    }
  }

  @Test
  void oversizedFrameIsSkippedAndAnsweredWithResourceExhaustedOnItsStream() throws Exception {
    try (var raw = new RawConnection(servers.socket())) {
      raw.send(RawConnection.header(FIVE_MIB, 1, 1, 0), new byte[FIVE_MIB]);
      var refused = raw.receive(WAIT);
      assertEquals(1, refused.streamId());
      assertEquals(2, refused.type());
      assertEquals(Code.RESOURCE_EXHAUSTED.value(), refused.response().getStatus().getCode());
      assertEquals("message length 5242880 exceed maximum message size of 4194304",
          refused.response().getStatus().getMessage());

      // Same connection, next frame: still in step.
      raw.sendFrame(3, 1, checkRequest("ok"));
      var answer = raw.receive(WAIT);
      assertEquals(3, answer.streamId());
      assertEquals(0, answer.response().getStatus().getCode());
      assertEquals(ServingStatus.SERVING,
          HealthCheckResponse.parseFrom(answer.response().getPayload()).getStatus());
    }
  }

  @Test
  void streamIdRulesAreAnsweredLikeTtrpcWithoutClosing() throws Exception {
    try (var raw = new RawConnection(servers.socket())) {
      raw.sendFrame(2, 1, checkRequest("ok"));
      assertStatus(raw.receive(WAIT), 2, Code.INVALID_ARGUMENT, "StreamID must be odd for client initiated streams");

      raw.sendFrame(5, 1, checkRequest("ok"));
      assertStatus(raw.receive(WAIT), 5, Code.OK, "");
      raw.sendFrame(3, 1, checkRequest("ok"));
      assertStatus(raw.receive(WAIT), 3, Code.INVALID_ARGUMENT, "StreamID cannot be re-used and must increment");

      raw.sendFrame(7, 3, new byte[0]);
      assertStatus(raw.receive(WAIT), 7, Code.INVALID_ARGUMENT, "StreamID is no longer active");

      raw.sendFrame(9, 1, checkRequest("ok"));
      assertStatus(raw.receive(WAIT), 9, Code.OK, "");
    }
  }

  @Test
  void serverEnforcesTheRequestTimeoutAndInterruptsTheHandler() throws Exception {
    try (var raw = new RawConnection(servers.socket())) {
      byte[] request = Request.newBuilder().setService("test.Slow").setMethod("Sleep")
          .setTimeoutNano(Duration.ofMillis(100).toNanos()).build().toByteArray();
      long start = System.nanoTime();
      raw.sendFrame(1, 1, request);
      assertStatus(raw.receive(WAIT), 1, Code.DEADLINE_EXCEEDED, null);
      assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(5)) < 0);
      assertTrue(interrupted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the handler was not interrupted");
    }
  }

  @Test
  void unknownServiceAndMethodAreUnimplemented() throws Exception {
    try (var raw = new RawConnection(servers.socket())) {
      raw.sendFrame(1, 1, RawConnection.request("grpc.Nope", "Check"));
      assertStatus(raw.receive(WAIT), 1, Code.UNIMPLEMENTED, "service grpc.Nope");
      raw.sendFrame(3, 1, RawConnection.request("grpc.Health", "Nope"));
      assertStatus(raw.receive(WAIT), 3, Code.UNIMPLEMENTED, "method Nope");
    }
  }

  private static byte[] checkRequest(String service) {
    return Request.newBuilder().setService("grpc.Health").setMethod("Check")
        .setPayload(ByteString.copyFrom(CheckRequest.newBuilder().setService(service).build().toByteArray()))
        .build().toByteArray();
  }

  private static void assertStatus(RawConnection.Received received, long streamId, Code code, String message) {
    assertEquals(streamId, received.streamId());
    assertEquals(2, received.type(), "message type");
    assertEquals(code, Code.forValue(received.response().getStatus().getCode()),
        received.response().getStatus().getMessage());
    if (message != null) {
      assertEquals(message, received.response().getStatus().getMessage());
    }
  }

  private static void assertServing(TtrpcClient client) throws StatusException {
    var answer = client.call("grpc.Health", "Check", CheckRequest.newBuilder().setService("ok").build(),
        HealthCheckResponse.parser(), CallOptions.ofTimeout(WAIT));
    assertEquals(ServingStatus.SERVING, answer.getStatus());
  }
}
