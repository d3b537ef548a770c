package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server that shuts down lets the calls in progress answer first: a Shutdown call's caller hears of it. */
class ServerShutdownTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @Test
  void aCallInProgressIsAnsweredBeforeTheServerCloses() throws Exception {
    var entered = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var service = ServiceDefinition.builder("test.Test")
        .method("Shutdown", (payload, context) -> {
          entered.countDown();
          release.await();
          return payload;
        })
        .build();
    try (var servers = Servers.listen(dir.resolve("ttrpc.sock"), service);
        var client = TtrpcClient.connect(servers.socket())) {
      var answer = CompletableFuture.supplyAsync(() -> {
        try {
          return client.call("test.Test", "Shutdown", new byte[] {9}, CallOptions.ofTimeout(WAIT));
        } catch (StatusException e) {
          throw new IllegalStateException(e);
        }
      });
      assertTrue(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
      var closing = Thread.ofVirtual().start(() -> {
        try {
          servers.server().shutdown(WAIT);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      // The shutdown has stopped the server, or waits for the call: either way, the call only ends now.
      while (closing.isAlive() && closing.getState() == Thread.State.RUNNABLE) {
        Thread.onSpinWait();
      }
      release.countDown();
      assertArrayEquals(new byte[] {9}, answer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
      assertTrue(closing.join(WAIT));
    }
  }
}
