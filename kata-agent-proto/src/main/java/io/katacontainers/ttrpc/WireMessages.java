package io.katacontainers.ttrpc;

import io.katacontainers.ttrpc.wire.KeyValue;
import io.katacontainers.ttrpc.wire.Request;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;

/** Conversions between the public value types and the generated ttrpc envelope messages. */
final class WireMessages {

  private WireMessages() {}

  static io.katacontainers.ttrpc.wire.Status toWire(Status status) {
    return io.katacontainers.ttrpc.wire.Status.newBuilder()
        .setCode(status.code().value())
        .setMessage(status.message())
        .addAllDetails(status.details())
        .build();
  }

  static Status fromWire(io.katacontainers.ttrpc.wire.Status status) {
    return new Status(Code.forValue(status.getCode()), status.getMessage(), status.getDetailsList());
  }

  static void addMetadata(Request.Builder request, Metadata metadata) {
    metadata.entries().forEach((key, values) -> values.forEach(
        value -> request.addMetadata(KeyValue.newBuilder().setKey(key).setValue(value))));
  }

  static Metadata metadataOf(Request request) {
    var entries = new LinkedHashMap<String, List<String>>();
    for (var kv : request.getMetadataList()) {
      entries.merge(kv.getKey(), List.of(kv.getValue()), WireMessages::concat);
    }
    return entries.isEmpty() ? Metadata.empty() : new Metadata(entries);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return Stream.concat(a.stream(), b.stream()).toList();
  }
}
