package io.katacontainers.ttrpc;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ttrpc server: dispatches requests to registered {@link ServiceDefinition}s, answering unknown services and
 * methods with UNIMPLEMENTED. Every connection is served on its own, calls within a connection run concurrently
 * on virtual threads, and a connection that breaks the protocol is closed (with a logged reason) without
 * affecting the others.
 */
public final class TtrpcServer implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(TtrpcServer.class.getName());

  private final Map<String, ServiceDefinition> services;
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private final Set<ServerSocketChannel> listeners = ConcurrentHashMap.newKeySet();
  private final AtomicLong connectionCount = new AtomicLong();
  private volatile boolean closed;

  /** @throws IllegalArgumentException if two definitions share a service name */
  public TtrpcServer(Collection<ServiceDefinition> services) {
    var byName = new LinkedHashMap<String, ServiceDefinition>();
    for (var service : services) {
      if (byName.putIfAbsent(service.name(), service) != null) {
        throw new IllegalArgumentException("service " + service.name() + " registered twice");
      }
    }
    this.services = Map.copyOf(byName);
  }

  public static TtrpcServer of(ServiceDefinition... services) {
    return new TtrpcServer(Arrays.asList(services));
  }

  /**
   * Serves one connection on the calling thread until the peer goes away, the connection breaks the protocol, or
   * the server is closed; the transport is closed on return. Suits a vsock or virtio-serial channel that carries
   * a single connection.
   */
  public void serve(Transport transport) {
    var connection = new ServerConnection("ttrpc connection #" + connectionCount.incrementAndGet(), transport,
        services);
    connections.add(connection);
    try {
      if (closed) {
        connection.close();
      } else {
        connection.serve();
      }
    } finally {
      connections.remove(connection);
    }
  }

  /**
   * Accepts connections on the calling thread, serving each on a virtual thread, until the listener or this
   * server is closed. The listener must be in blocking mode.
   *
   * @throws IOException if accepting fails for another reason
   */
  public void listen(ServerSocketChannel listener) throws IOException {
    listeners.add(listener);
    try {
      if (closed) {
        listener.close();
      }
      while (true) {
        var channel = listener.accept();
        Thread.ofVirtual().name("ttrpc connection").start(() -> serve(Transport.of(channel)));
      }
    } catch (ClosedChannelException e) {
      LOG.log(Level.DEBUG, "ttrpc listener closed");
    } finally {
      listeners.remove(listener);
    }
  }

  /**
   * Stops accepting, waits up to {@code grace} until no call is in progress (each has been answered, the call
   * that asked for the shutdown included), then closes as {@link #close()} does.
   */
  public void shutdown(Duration grace) throws InterruptedException {
    closed = true;
    closeListeners();
    Instant deadline = Instant.now().plus(grace);
    for (var connection : connections) {
      if (!connection.awaitIdle(deadline)) {
        LOG.log(Level.WARNING, "ttrpc server: calls still in progress after {0}: closing anyway", grace);
        break;
      }
    }
    close();
  }

  /** Stops accepting, closes every listener and connection; calls in progress are interrupted. */
  @Override
  public void close() {
    closed = true;
    closeListeners();
    connections.forEach(ServerConnection::close);
  }

  private void closeListeners() {
    for (var listener : listeners) {
      try {
        listener.close();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "closing a ttrpc listener failed", e);
      }
    }
  }
}
