package io.katacontainers.ttrpc;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/** The {@link Transport} behind the factory methods: two streams and the resource that owns them. */
record StreamTransport(InputStream input, OutputStream output, Closeable owner) implements Transport {

  StreamTransport {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(owner, "owner");
  }

  @Override
  public void close() throws IOException {
    try (owner; output; input) {
      // The resources do the work: input, output, then their owner are closed, and one failure skips none.
    }
  }
}
