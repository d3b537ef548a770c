package io.katacontainers.ttrpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A service a {@link TtrpcServer} offers: its wire name (the proto package and service, such as
 * {@code grpc.Health}) and a handler per method name.
 */
public record ServiceDefinition(String name, Map<String, Handler> methods) {

  public ServiceDefinition {
    Objects.requireNonNull(name, "name");
    methods = Map.copyOf(methods);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Collects the methods of one service. */
  public static final class Builder {
    private final String name;
    private final Map<String, Handler> methods = new LinkedHashMap<>();

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** Adds a method served on raw bytes. */
    public Builder method(String method, Handler handler) {
      Objects.requireNonNull(handler, "handler");
      if (methods.putIfAbsent(method, handler) != null) {
        throw new IllegalArgumentException("method " + name + "/" + method + " registered twice");
      }
      return this;
    }

    /** Adds a method served on protobuf messages, parsed with {@code requestParser}. */
    public <Q, R extends MessageLite> Builder method(String method, Parser<Q> requestParser, UnaryMethod<Q, R> body) {
      Objects.requireNonNull(requestParser, "requestParser");
      Objects.requireNonNull(body, "body");
      return method(method, (payload, context) -> {
        Q request;
        try {
          request = requestParser.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
          // The code and wording of ttrpc's own unmarshal failure.
          throw new StatusException(new Status(Code.INTERNAL,
              "ttrpc: error unmarshalling payload: " + e.getMessage()), e);
        }
        return body.invoke(request, context).toByteArray();
      });
    }

    public ServiceDefinition build() {
      return new ServiceDefinition(name, methods);
    }
  }
}
