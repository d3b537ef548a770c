package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.katacontainers.errdefs.Classified;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** A handler's typed failure reaches the client as its kind's status code, checked or not. */
class ClassifiedFailuresTest {

  @TempDir
  Path dir;

  /** A module's own checked exception that knows its kind, as the runtime's AgentException does. */
  static final class CheckedFailure extends IOException implements Classified {
    private final ErrorKind kind;

    CheckedFailure(ErrorKind kind) {
      super("checked " + kind);
      this.kind = kind;
    }

    @Override
    public ErrorKind kind() {
      return kind;
    }
  }

  @ParameterizedTest
  @EnumSource(ErrorKind.class)
  void aHandlersKindArrivesAsItsCode(ErrorKind kind) throws Exception {
    var service = ServiceDefinition.builder("test.Test")
        .method("Unchecked", (payload, context) -> {
          throw new ErrdefsException(kind, "unchecked " + kind);
        })
        .method("Checked", (payload, context) -> {
          throw new CheckedFailure(kind);
        })
        .build();
    try (var servers = Servers.listen(dir.resolve("ttrpc.sock"), service);
        var client = TtrpcClient.connect(servers.socket())) {
      for (String method : new String[] {"Unchecked", "Checked"}) {
        var failure = assertThrows(StatusException.class,
            () -> client.call("test.Test", method, new byte[0], CallOptions.ofTimeout(Duration.ofSeconds(10))));
        assertEquals(new Status(kind.code(), method.toLowerCase() + " " + kind), failure.status());
        assertEquals(kind, ErrorKind.of(failure.code()));
      }
    }
  }
}
