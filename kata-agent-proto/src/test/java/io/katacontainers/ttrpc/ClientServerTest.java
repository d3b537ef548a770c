package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.VersionCheckResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client against the Java server over a unix socket. */
class ClientServerTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;
  private Servers servers;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final Semaphore blocked = new Semaphore(0);

  @BeforeEach
  void start() throws Exception {
    var test = ServiceDefinition.builder("test.Test")
        .method("Echo", (payload, context) -> {
          maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          try {
            Thread.sleep(payload.length % 4);
            return payload;
          } finally {
            inFlight.decrementAndGet();
          }
        })
        .method("Block", (payload, context) -> {
          blocked.release();
          Thread.sleep(Duration.ofMinutes(1));
          return payload;
        })
        .method("Missing", (payload, context) -> {
          throw new NoSuchFileException("/run/nothing");
        })
        .method("Broken", (payload, context) -> {
          throw new IllegalStateException("handler bug");
        })
        .method("Big", (payload, context) -> new byte[5 << 20])
        .build();
    servers = Servers.listen(dir.resolve("ttrpc.sock"), HealthService.definition(), test);
  }

  @AfterEach
  void stop() throws Exception {
    servers.close();
  }

  @Test
  void manyConcurrentCallsOnOneConnectionGetTheirOwnAnswers() throws Exception {
    int calls = 500;
    try (var client = TtrpcClient.connect(servers.socket());
        var callers = Executors.newVirtualThreadPerTaskExecutor()) {
      var results = new ArrayList<Future<Boolean>>();
      for (int i = 0; i < calls; i++) {
        byte[] payload = ("call " + i).repeat(1 + i % 7).getBytes(StandardCharsets.UTF_8);
        results.add(callers.submit(() -> {
          byte[] answer = client.call("test.Test", "Echo", payload, CallOptions.ofTimeout(WAIT));
          return Arrays.equals(payload, answer);
        }));
      }
      for (var result : results) {
        assertTrue(result.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
      }
    }
    assertTrue(maxInFlight.get() > 1, "calls should overlap on the server, max in flight " + maxInFlight.get());
  }

  @Test
  void metadataAndTimeoutReachTheHandler() throws Exception {
    try (var client = TtrpcClient.connect(servers.socket())) {
      var options = CallOptions.ofTimeout(WAIT).withMetadata(Metadata.of("X-Test", "a", "b"));
      var answer = client.call("grpc.Health", "Version", CheckRequest.newBuilder().setService("java").build(),
          VersionCheckResponse.parser(), options);
      assertEquals("deadline=true", answer.getGrpcVersion());
      assertEquals("a,b|java", answer.getAgentVersion());

      var noDeadline = client.call("grpc.Health", "Version", CheckRequest.getDefaultInstance(),
          VersionCheckResponse.parser(), CallOptions.DEFAULT);
      assertEquals("deadline=false", noDeadline.getGrpcVersion());
      assertEquals("|", noDeadline.getAgentVersion());
    }
  }

  @Test
  void errorsArriveAsStatusCodes() throws Exception {
    try (var client = TtrpcClient.connect(servers.socket())) {
      var notFound = assertThrows(StatusException.class, () -> client.call("grpc.Health", "Check",
          CheckRequest.newBuilder().setService("fail").build(), VersionCheckResponse.parser(), CallOptions.DEFAULT));
      assertEquals(new Status(Code.NOT_FOUND, "no service named \"fail\""), notFound.status());

      assertEquals(Code.NOT_FOUND, callFailure(client, "test.Test", "Missing").code());
      var broken = callFailure(client, "test.Test", "Broken");
      assertEquals(new Status(Code.UNKNOWN, "handler bug"), broken.status());
      assertEquals(new Status(Code.UNIMPLEMENTED, "method Nope"), callFailure(client, "test.Test", "Nope").status());
      assertEquals(new Status(Code.UNIMPLEMENTED, "service test.Nope"),
          callFailure(client, "test.Nope", "Echo").status());
      assertTrue(client.isOpen());
    }
  }

  @Test
  void clientTimeoutIsDeadlineExceededAndTheConnectionStaysUsable() throws Exception {
    try (var client = TtrpcClient.connect(servers.socket())) {
      long start = System.nanoTime();
      var timedOut = assertThrows(StatusException.class,
          () -> client.call("test.Test", "Block", new byte[] {1}, CallOptions.ofTimeout(Duration.ofMillis(200))));
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(Code.DEADLINE_EXCEEDED, timedOut.code());
      assertTrue(elapsedMillis >= 150 && elapsedMillis < 5000, "took " + elapsedMillis + " ms");
      // The server's own DEADLINE_EXCEEDED answer arrives for a forgotten stream id and is dropped.
      assertArrayEquals(new byte[] {7}, client.call("test.Test", "Echo", new byte[] {7}, CallOptions.ofTimeout(WAIT)));
    }
  }

  @Test
  void oversizedMessagesAreRefusedWithoutLosingTheConnection() throws Exception {
    try (var client = TtrpcClient.connect(servers.socket())) {
      var request = assertThrows(StatusException.class,
          () -> client.call("test.Test", "Echo", new byte[5 << 20], CallOptions.ofTimeout(WAIT)));
      assertEquals(Code.RESOURCE_EXHAUSTED, request.code());
      var response = assertThrows(StatusException.class,
          () -> client.call("test.Test", "Big", new byte[0], CallOptions.ofTimeout(WAIT)));
      assertEquals(Code.RESOURCE_EXHAUSTED, response.code());
      assertTrue(response.getMessage().contains("exceed maximum message size of 4194304"), response.getMessage());
      assertArrayEquals(new byte[] {1}, client.call("test.Test", "Echo", new byte[] {1}, CallOptions.ofTimeout(WAIT)));
    }
  }

  @Test
  void pendingCallsFailWhenTheConnectionDrops() throws Exception {
    try (var client = TtrpcClient.connect(servers.socket());
        var callers = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<StatusException>> calls = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        calls.add(callers.submit(() -> assertThrows(StatusException.class,
            () -> client.call("test.Test", "Block", new byte[0], CallOptions.DEFAULT))));
      }
      assertTrue(blocked.tryAcquire(3, WAIT.toMillis(), TimeUnit.MILLISECONDS));
      servers.server().close();
      for (var call : calls) {
        var failure = call.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Code.UNAVAILABLE, failure.code());
        assertEquals("ttrpc: connection closed by the server", failure.status().message());
      }
      assertFalse(client.isOpen());
      var later = assertThrows(StatusException.class,
          () -> client.call("test.Test", "Echo", new byte[0], CallOptions.DEFAULT));
      assertEquals(Code.UNAVAILABLE, later.code());
    }
  }

  @Test
  void closingTheClientFailsPendingCalls() throws Exception {
    var client = TtrpcClient.connect(servers.socket());
    try (var callers = Executors.newVirtualThreadPerTaskExecutor()) {
      var call = callers.submit(() -> assertThrows(StatusException.class,
          () -> client.call("test.Test", "Block", new byte[0], CallOptions.DEFAULT)));
      assertTrue(blocked.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS));
      client.close();
      var failure = call.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertEquals(new Status(Code.UNAVAILABLE, "ttrpc: client closed"), failure.status());
    }
  }

  private static StatusException callFailure(TtrpcClient client, String service, String method) {
    return assertThrows(StatusException.class,
        () -> client.call(service, method, new byte[0], CallOptions.ofTimeout(WAIT)));
  }
}
