package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.agent.proto.HealthCheckResponse.ServingStatus;
import io.katacontainers.agent.proto.VersionCheckResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wire compatibility with containerd's Go ttrpc (Debian's 1.1.1 source), both ways: the Java client against a Go
 * server and a Go client against the Java server, both serving grpc.Health with the same test behaviour.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoInteropTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private Path dir;
  private GoPeers.Binaries binaries;
  private Process goServer;
  private TtrpcClient client;

  @BeforeAll
  void buildAndStartGoServer(@TempDir Path dir) throws Exception {
    this.dir = dir;
    binaries = GoPeers.build(Files.createDirectories(dir.resolve("bin")));
    Path socket = dir.resolve("go-server.sock");
    goServer = new ProcessBuilder(binaries.server().toString(), socket.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    var stdout = new BufferedReader(new InputStreamReader(goServer.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("READY", stdout.readLine(), "the Go ttrpc server did not start");
    client = TtrpcClient.connect(socket);
  }

  @AfterAll
  void stopGoServer() throws Exception {
    if (client != null) {
      client.close();
    }
    if (goServer != null) {
      try (var stdout = goServer.getInputStream()) {
        goServer.destroy();
        assertTrue(goServer.waitFor(10, TimeUnit.SECONDS), "the Go server did not stop");
      }
    }
  }

  @Test
  void javaClientCallsGoServer() throws Exception {
    var answer = client.call("grpc.Health", "Check", check("ok"), HealthCheckResponse.parser(),
        CallOptions.ofTimeout(WAIT));
    assertEquals(ServingStatus.SERVING, answer.getStatus());
  }

  @Test
  void javaClientGetsGoErrorStatus() {
    var failure = assertThrows(StatusException.class, () -> client.call("grpc.Health", "Check", check("fail"),
        HealthCheckResponse.parser(), CallOptions.ofTimeout(WAIT)));
    assertEquals(new Status(Code.NOT_FOUND, "no service named \"fail\""), failure.status());
  }

  @Test
  void javaClientMetadataAndTimeoutReachGoServer() throws Exception {
    var options = CallOptions.ofTimeout(WAIT).withMetadata(Metadata.of("x-test", "a", "b"));
    var answer = client.call("grpc.Health", "Version", check("java"), VersionCheckResponse.parser(), options);
    assertEquals("deadline=true", answer.getGrpcVersion());
    assertEquals("a,b|java", answer.getAgentVersion());
  }

  @Test
  void goServerAnswersUnimplemented() {
    var failure = assertThrows(StatusException.class,
        () -> client.call("grpc.Health", "Nope", new byte[0], CallOptions.ofTimeout(WAIT)));
    assertEquals(new Status(Code.UNIMPLEMENTED, "method Nope"), failure.status());
  }

  @Test
  void javaClientTimesOutOnGoServerAndKeepsTheConnection() throws Exception {
    var failure = assertThrows(StatusException.class, () -> client.call("grpc.Health", "Check", check("sleep"),
        HealthCheckResponse.parser(), CallOptions.ofTimeout(Duration.ofMillis(300))));
    assertEquals(Code.DEADLINE_EXCEEDED, failure.code());
    javaClientCallsGoServer();
  }

  @Test
  void oversizedGoResponseFailsOnlyThatCall() throws Exception {
    var failure = assertThrows(StatusException.class, () -> client.call("grpc.Health", "Version", check("big"),
        VersionCheckResponse.parser(), CallOptions.ofTimeout(WAIT)));
    assertEquals(Code.RESOURCE_EXHAUSTED, failure.code());
    javaClientCallsGoServer();
  }

  @Test
  void concurrentJavaCallsOnOneConnectionToGoServer() throws Exception {
    try (var callers = Executors.newVirtualThreadPerTaskExecutor()) {
      var answers = new ArrayList<Future<String>>();
      for (int i = 0; i < 200; i++) {
        var request = check("call-" + i);
        answers.add(callers.submit(() -> client.call("grpc.Health", "Version", request,
            VersionCheckResponse.parser(), CallOptions.ofTimeout(WAIT)).getAgentVersion()));
      }
      for (int i = 0; i < answers.size(); i++) {
        assertEquals("|call-" + i, answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void goClientCallsJavaServer() throws Exception {
    try (var servers = Servers.listen(dir.resolve("java-server.sock"), HealthService.definition())) {
      var goClient = new ProcessBuilder(binaries.client().toString(), servers.socket().toString())
          .redirectErrorStream(true)
          .start();
      String output;
      try (var stdout = goClient.getInputStream()) {
        output = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertTrue(goClient.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the Go client did not finish");
      assertEquals(0, goClient.exitValue(), output);
      var lines = new LinkedHashMap<String, String>();
      output.lines().map(line -> line.split(": ", 2)).forEach(kv -> lines.put(kv[0], kv.length > 1 ? kv[1] : ""));
      assertArrayEquals(new String[] {
          "status=1",
          "code=NotFound msg=no service named \"fail\"",
          "deadline=true a,b|go",
          "code=Unimplemented msg=method Nope",
          "code=Unimplemented msg=service grpc.Nope",
          // The Go client's whole Request: 5 MiB of service name plus 30 bytes of protobuf framing and names.
          "code=ResourceExhausted msg=message length 5242910 exceed maximum message size of 4194304",
          "status=1",
          "64 calls, failures=[]",
      }, outcomes(lines), output);
    }
  }

  private static String[] outcomes(Map<String, String> lines) {
    return new String[] {
        lines.get("check-ok"), lines.get("check-fail"), lines.get("version"), lines.get("unknown-method"),
        lines.get("unknown-service"), lines.get("oversized"), lines.get("after-oversized"), lines.get("concurrent"),
    };
  }

  private static CheckRequest check(String service) {
    return CheckRequest.newBuilder().setService(service).build();
  }
}
