package io.katacontainers.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.katacontainers.ttrpc.wire.Request;
import io.katacontainers.ttrpc.wire.Response;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A ttrpc client over one connection. Thread-safe: any number of threads may call at once; each call gets its own
 * odd stream id and answers are matched by stream id, in whatever order the server sends them. When the connection
 * drops, every pending and later call fails with UNAVAILABLE.
 */
public final class TtrpcClient implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(TtrpcClient.class.getName());

  private final Transport transport;
  private final Map<Long, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
  private final AtomicReference<StatusException> closed = new AtomicReference<>();
  /** Held from choosing a stream id until its frame is written, so ids reach the wire in increasing order. */
  private final ReentrantLock sendLock = new ReentrantLock();
  private long nextStreamId = 1;

  /** Starts a client on a connected transport; the client owns it from now on. */
  public TtrpcClient(Transport transport) {
    this.transport = transport;
    Thread.ofVirtual().name("ttrpc client reader").start(this::receive);
  }

  /** Connects to a ttrpc server listening on a unix domain socket. */
  public static TtrpcClient connect(Path socket) throws IOException {
    return new TtrpcClient(Transport.connect(socket));
  }

  /**
   * Calls {@code service/method} with a raw payload and waits for the answer.
   *
   * @throws StatusException with the server's status, or DEADLINE_EXCEEDED when the timeout passes first,
   *                         UNAVAILABLE when the connection is or gets closed, RESOURCE_EXHAUSTED when the request
   *                         or response is over ttrpc's 4 MiB limit, CANCELLED when the thread is interrupted
   */
  public byte[] call(String service, String method, byte[] payload, CallOptions options) throws StatusException {
    long start = System.nanoTime();
    var request = Request.newBuilder().setService(service).setMethod(method).setPayload(ByteString.copyFrom(payload));
    if (options.hasTimeout()) {
      request.setTimeoutNano(options.timeout().toNanos());
    }
    WireMessages.addMetadata(request, options.metadata());
    byte[] body = request.build().toByteArray();
    if (body.length > Frames.MAX_MESSAGE_LENGTH) {
      throw Frames.oversized(body.length).asException();
    }
    var answer = new CompletableFuture<Response>();
    long id = send(body, answer);
    Response response;
    try {
      response = options.hasTimeout()
          ? answer.get(options.timeout().toNanos() - (System.nanoTime() - start), TimeUnit.NANOSECONDS)
          : answer.get();
    } catch (TimeoutException e) {
      pending.remove(id);
      throw new StatusException(new Status(Code.DEADLINE_EXCEEDED,
          "ttrpc: " + service + "/" + method + " got no answer within " + options.timeout()), e);
    } catch (InterruptedException e) {
      pending.remove(id);
      Thread.currentThread().interrupt();
      throw new StatusException(new Status(Code.CANCELLED,
          "ttrpc: interrupted while waiting for " + service + "/" + method), e);
    } catch (ExecutionException e) {
      // A fresh exception per caller: the stack trace then shows this call, the cause shows why.
      throw new StatusException(((StatusException) e.getCause()).status(), e.getCause());
    }
    var status = WireMessages.fromWire(response.getStatus());
    if (!status.isOk()) {
      throw status.asException();
    }
    return response.getPayload().toByteArray();
  }

  /** Calls {@code service/method} with a protobuf request and parses the answer with {@code responseParser}. */
  public <R> R call(String service, String method, MessageLite request, Parser<R> responseParser,
      CallOptions options) throws StatusException {
    byte[] answer = call(service, method, request.toByteArray(), options);
    try {
      return responseParser.parseFrom(answer);
    } catch (InvalidProtocolBufferException e) {
      throw new StatusException(new Status(Code.INTERNAL,
          "ttrpc: cannot parse the answer of " + service + "/" + method + ": " + e.getMessage()), e);
    }
  }

  /** False once the connection is closed, by either side. */
  public boolean isOpen() {
    return closed.get() == null;
  }

  /** Closes the connection; pending calls fail with UNAVAILABLE. */
  @Override
  public void close() {
    shutdown(new StatusException(Code.UNAVAILABLE, "ttrpc: client closed"));
  }

  private long send(byte[] body, CompletableFuture<Response> answer) throws StatusException {
    sendLock.lock();
    try {
      throwIfClosed();
      if (nextStreamId > Frames.MAX_STREAM_ID) {
        throw new StatusException(Code.RESOURCE_EXHAUSTED, "ttrpc: stream ids used up, open a new connection");
      }
      long id = nextStreamId;
      nextStreamId += 2;
      pending.put(id, answer);
      // The reader may have failed the pending calls between the check above and the put.
      throwIfClosed();
      try {
        var out = transport.output();
        out.write(Frames.encode(id, FrameType.REQUEST, body));
        out.flush();
      } catch (IOException e) {
        shutdown(new StatusException(new Status(Code.UNAVAILABLE, "ttrpc: connection lost: " + e), e));
        throwIfClosed();
      }
      return id;
    } finally {
      sendLock.unlock();
    }
  }

  private void throwIfClosed() throws StatusException {
    var cause = closed.get();
    if (cause != null) {
      throw new StatusException(cause.status(), cause);
    }
  }

  /** The reader thread: hands each response to its caller until the connection ends. */
  private void receive() {
    StatusException end;
    try {
      end = dispatchResponses(new FrameReader(transport.input()));
    } catch (ProtocolException e) {
      LOG.log(Level.WARNING, "ttrpc client: closing connection: {0}", e.getMessage());
      end = new StatusException(new Status(Code.UNAVAILABLE, "ttrpc: protocol error: " + e.getMessage()), e);
    } catch (IOException e) {
      end = new StatusException(new Status(Code.UNAVAILABLE, "ttrpc: connection lost: " + e), e);
    }
    shutdown(end);
  }

  private StatusException dispatchResponses(FrameReader reader) throws IOException {
    while (true) {
      switch (reader.read()) {
        case Inbound.EndOfStream end -> {
          return new StatusException(Code.UNAVAILABLE, "ttrpc: connection closed by the server");
        }
        case Inbound.Oversized frame -> fail(frame.streamId(), Frames.oversized(frame.length()).asException());
        case Inbound.Frame frame -> {
          switch (frame.type()) {
            case RESPONSE -> complete(frame);
            case DATA -> fail(frame.streamId(),
                new StatusException(Code.INTERNAL, "ttrpc: stream data received for a unary call"));
            case REQUEST -> throw new ProtocolException("the server sent a request frame (stream "
                + frame.streamId() + ")");
          }
        }
      }
    }
  }

  private void complete(Inbound.Frame frame) {
    var answer = pending.remove(frame.streamId());
    if (answer == null) {
      // Normal after a call timed out locally: its answer arrives late.
      LOG.log(Level.DEBUG, "ttrpc client: dropping response for inactive stream {0}", frame.streamId());
      return;
    }
    try {
      answer.complete(Response.parseFrom(frame.payload()));
    } catch (InvalidProtocolBufferException e) {
      answer.completeExceptionally(new StatusException(new Status(Code.INTERNAL,
          "ttrpc: malformed response on stream " + frame.streamId() + ": " + e.getMessage()), e));
    }
  }

  private void fail(long streamId, StatusException error) {
    var answer = pending.remove(streamId);
    if (answer != null) {
      answer.completeExceptionally(error);
    } else {
      LOG.log(Level.DEBUG, "ttrpc client: dropping {0} for inactive stream {1}", error.status(), streamId);
    }
  }

  /** Records why the connection ended (the first reason wins), closes it and fails every pending call. */
  private void shutdown(StatusException reason) {
    if (closed.compareAndSet(null, reason)) {
      try {
        transport.close();
      } catch (IOException e) {
        reason.addSuppressed(e);
      }
    }
    var cause = closed.get();
    pending.keySet().forEach(id -> fail(id, cause));
  }
}
