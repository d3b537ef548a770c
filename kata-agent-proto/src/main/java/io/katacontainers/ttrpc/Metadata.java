package io.katacontainers.ttrpc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Request metadata: keys with one or more string values, sent as repeated {@code KeyValue} pairs. Keys are
 * lower-cased, as Go's {@code ttrpc.MD} stores them, so lookups are case-insensitive on both sides.
 *
 * @param entries key → values, in insertion order; never holds an empty value list
 */
public record Metadata(Map<String, List<String>> entries) {

  private static final Metadata EMPTY = new Metadata(Map.of());

  public Metadata {
    var copy = new LinkedHashMap<String, List<String>>();
    entries.forEach((key, values) -> {
      if (!values.isEmpty()) {
        copy.merge(normalize(key), List.copyOf(values), Metadata::concat);
      }
    });
    entries = Collections.unmodifiableMap(copy);
  }

  public static Metadata empty() {
    return EMPTY;
  }

  /** Metadata holding one key with the given values. */
  public static Metadata of(String key, String... values) {
    return new Metadata(Map.of(key, List.of(values)));
  }

  /** A copy with {@code value} appended to the values of {@code key}. */
  public Metadata with(String key, String value) {
    var copy = new LinkedHashMap<>(entries);
    copy.merge(normalize(key), List.of(value), Metadata::concat);
    return new Metadata(copy);
  }

  /** The first value of {@code key}, like Go's {@code GetMetadataValue}. */
  public Optional<String> first(String key) {
    return all(key).stream().findFirst();
  }

  /** Every value of {@code key}, in the order received; empty if absent. */
  public List<String> all(String key) {
    return entries.getOrDefault(normalize(key), List.of());
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  private static String normalize(String key) {
    return key.toLowerCase(Locale.ROOT);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    var all = new ArrayList<String>(a.size() + b.size());
    all.addAll(a);
    all.addAll(b);
    return List.copyOf(all);
  }
}
