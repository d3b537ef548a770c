package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ttrpc.wire.KeyValue;
import io.katacontainers.ttrpc.wire.Request;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MetadataTest {

  @Test
  void keysAreCaseInsensitiveAndValuesAccumulate() {
    var metadata = Metadata.of("X-Test", "a").with("x-TEST", "b").with("other", "c");
    assertEquals(List.of("a", "b"), metadata.all("x-test"));
    assertEquals(Optional.of("a"), metadata.first("X-TEST"));
    assertEquals(List.of(), metadata.all("missing"));
    assertEquals(List.of("x-test", "other"), List.copyOf(metadata.entries().keySet()));
    assertTrue(new Metadata(Map.of("empty", List.of())).isEmpty());
  }

  @Test
  void wireFormIsOneKeyValuePerValueInOrder() {
    var request = Request.newBuilder();
    WireMessages.addMetadata(request, Metadata.of("k", "1", "2").with("j", "3"));
    assertEquals(List.of(kv("k", "1"), kv("k", "2"), kv("j", "3")), request.getMetadataList());
    assertEquals(Metadata.of("k", "1", "2").with("j", "3"), WireMessages.metadataOf(request.build()));
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }
}
