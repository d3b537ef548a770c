package io.katacontainers.ttrpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;

/** A {@link TtrpcServer} listening on a unix socket for the length of a test. */
record Servers(TtrpcServer server, Path socket, Thread acceptor) implements AutoCloseable {

  static Servers listen(Path socket, ServiceDefinition... services) throws IOException {
    var server = TtrpcServer.of(services);
    var listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(socket));
    var acceptor = Thread.ofVirtual().name("test acceptor").start(() -> {
      try {
        server.listen(listener);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    return new Servers(server, socket, acceptor);
  }

  @Override
  public void close() throws InterruptedException {
    server.close();
    acceptor.join();
  }
}
