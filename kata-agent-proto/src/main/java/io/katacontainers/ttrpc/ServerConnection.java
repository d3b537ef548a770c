package io.katacontainers.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.katacontainers.errdefs.Classified;
import io.katacontainers.ttrpc.wire.Request;
import io.katacontainers.ttrpc.wire.Response;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection of a {@link TtrpcServer}: a reader loop on the calling thread and a virtual thread per call.
 * Errors tied to one frame are answered with a status on that frame's stream; errors that leave the byte stream
 * untrustworthy close this connection only.
 */
final class ServerConnection {

  private static final System.Logger LOG = System.getLogger(TtrpcServer.class.getName());

  private final String name;
  private final Transport transport;
  private final Map<String, ServiceDefinition> services;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Set<Thread> calls = ConcurrentHashMap.newKeySet();
  /** Signalled whenever a call has been answered, for {@link #awaitIdle}. */
  private final ReentrantLock callsLock = new ReentrantLock();
  private final Condition answered = callsLock.newCondition();
  private long lastStreamId;

  ServerConnection(String name, Transport transport, Map<String, ServiceDefinition> services) {
    this.name = name;
    this.transport = transport;
    this.services = services;
  }

  /** Serves until the peer leaves, the framing breaks or {@link #close()} is called; never throws. */
  void serve() {
    try (transport) {
      var reader = new FrameReader(transport.input());
      while (true) {
        switch (reader.read()) {
          case Inbound.EndOfStream end -> {
            LOG.log(Level.DEBUG, "{0}: peer closed the connection", name);
            return;
          }
          case Inbound.Oversized frame -> answer(frame.streamId(), Frames.oversized(frame.length()));
          case Inbound.Frame frame -> accept(frame);
        }
      }
    } catch (ProtocolException e) {
      LOG.log(Level.WARNING, "{0}: closing connection: {1}", name, e.getMessage());
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> name + ": connection ended: " + e, e);
    } finally {
      // Like ttrpc cancelling the contexts of a dead connection: nobody is left to read the answers.
      calls.forEach(Thread::interrupt);
    }
  }

  /** Closes the transport, which ends {@link #serve()}. */
  void close() {
    try {
      transport.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> name + ": closing transport failed", e);
    }
  }

  private void accept(Inbound.Frame frame) throws IOException {
    long id = frame.streamId();
    // The checks, their order and their texts follow ttrpc's server.
    if (id % 2 == 0) {
      answer(id, new Status(Code.INVALID_ARGUMENT, "StreamID must be odd for client initiated streams"));
      return;
    }
    switch (frame.type()) {
      case DATA -> answer(id, new Status(Code.INVALID_ARGUMENT, "StreamID is no longer active"));
      case RESPONSE -> throw new ProtocolException("a client sent a response frame (stream " + id + ")");
      case REQUEST -> {
        if (id <= lastStreamId) {
          answer(id, new Status(Code.INVALID_ARGUMENT, "StreamID cannot be re-used and must increment"));
          return;
        }
        lastStreamId = id;
        Request request;
        try {
          request = Request.parseFrom(frame.payload());
        } catch (InvalidProtocolBufferException e) {
          answer(id, new Status(Code.INVALID_ARGUMENT, "unmarshal request error: " + e.getMessage()));
          return;
        }
        Thread.ofVirtual().name(name + " stream " + id).start(() -> call(id, request));
      }
    }
  }

  private void call(long id, Request request) {
    var self = Thread.currentThread();
    calls.add(self);
    try {
      respond(id, run(request));
    } finally {
      callsLock.lock();
      try {
        calls.remove(self);
        answered.signalAll();
      } finally {
        callsLock.unlock();
      }
    }
  }

  /** Waits until no call of this connection is in progress; false if the deadline passed first. */
  boolean awaitIdle(Instant deadline) throws InterruptedException {
    callsLock.lock();
    try {
      while (!calls.isEmpty()) {
        long left = Duration.between(Instant.now(), deadline).toNanos();
        if (left <= 0) {
          return false;
        }
        answered.awaitNanos(left);
      }
      return true;
    } finally {
      callsLock.unlock();
    }
  }

  /** Runs the handler, within the request's deadline if it has one. */
  private Result run(Request request) {
    var service = services.get(request.getService());
    if (service == null) {
      return Result.failed(new Status(Code.UNIMPLEMENTED, "service " + request.getService()));
    }
    var handler = service.methods().get(request.getMethod());
    if (handler == null) {
      return Result.failed(new Status(Code.UNIMPLEMENTED, "method " + request.getMethod()));
    }
    long timeoutNanos = request.getTimeoutNano();
    var deadline = timeoutNanos > 0 ? Optional.of(Instant.now().plusNanos(timeoutNanos)) : Optional.<Instant>empty();
    var context = new RequestContext(request.getService(), request.getMethod(), WireMessages.metadataOf(request),
        deadline);
    byte[] payload = request.getPayload().toByteArray();
    if (deadline.isEmpty()) {
      try {
        return Result.of(handler.handle(payload, context));
      } catch (Exception e) {
        return Result.failed(statusOf(e, context));
      }
    }
    var task = new FutureTask<>(() -> handler.handle(payload, context));
    var worker = Thread.ofVirtual().name(Thread.currentThread().getName() + " handler").start(task);
    try {
      return Result.of(task.get(timeoutNanos, TimeUnit.NANOSECONDS));
    } catch (TimeoutException e) {
      worker.interrupt();
      return Result.failed(new Status(Code.DEADLINE_EXCEEDED,
          "deadline exceeded: " + Duration.ofNanos(timeoutNanos) + " timeout of the request"));
    } catch (ExecutionException e) {
      return Result.failed(statusOf(e.getCause(), context));
    } catch (InterruptedException e) {
      worker.interrupt();
      return Result.failed(new Status(Code.CANCELLED, "connection closed"));
    }
  }

  /** Maps a handler's exception to a status, as ttrpc's convertCode maps Go errors. */
  private Status statusOf(Throwable failure, RequestContext context) {
    if (failure instanceof StatusException e) {
      return e.status();
    }
    if (failure instanceof Classified classified) {
      // A typed failure (errdefs): its kind decides the code, so it means the same to the caller.
      return new Status(classified.kind().code(), failure.getMessage() != null ? failure.getMessage()
          : failure.toString());
    }
    var code = switch (failure) {
      case NoSuchFileException _ -> Code.NOT_FOUND;
      case FileAlreadyExistsException _ -> Code.ALREADY_EXISTS;
      case AccessDeniedException _ -> Code.PERMISSION_DENIED;
      case InterruptedException _, InterruptedIOException _ -> Code.CANCELLED;
      default -> Code.UNKNOWN;
    };
    if (code == Code.UNKNOWN) {
      // Most likely a bug in the handler: keep the stack trace.
      LOG.log(Level.WARNING, () -> name + ": " + context.service() + "/" + context.method() + " failed", failure);
    }
    return new Status(code, failure.getMessage() != null ? failure.getMessage() : failure.toString());
  }

  private void answer(long id, Status status) {
    respond(id, Result.failed(status));
  }

  /** Sends the response frame; a response over the size limit is replaced by ttrpc's RESOURCE_EXHAUSTED status. */
  private void respond(long id, Result result) {
    byte[] body = result.toResponse().toByteArray();
    if (body.length > Frames.MAX_MESSAGE_LENGTH) {
      body = Result.failed(Frames.oversized(body.length)).toResponse().toByteArray();
    }
    byte[] frame = Frames.encode(id, FrameType.RESPONSE, body);
    writeLock.lock();
    try {
      var out = transport.output();
      out.write(frame);
      out.flush();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, () -> name + ": cannot answer stream " + id + ", closing: " + e, e);
      close();
    } finally {
      writeLock.unlock();
    }
  }

  /** A handler's outcome: a payload with OK, or a failure status without payload. */
  private record Result(Status status, byte[] payload) {

    static Result of(byte[] payload) {
      return payload != null
          ? new Result(new Status(Code.OK, ""), payload)
          : failed(new Status(Code.UNKNOWN, "ttrpc: handler returned no payload"));
    }

    static Result failed(Status status) {
      return new Result(status, new byte[0]);
    }

    Response toResponse() {
      // Like ttrpc, the status field is present even when OK (an empty google.rpc.Status).
      return Response.newBuilder()
          .setStatus(WireMessages.toWire(status))
          .setPayload(ByteString.copyFrom(payload))
          .build();
    }
  }
}
