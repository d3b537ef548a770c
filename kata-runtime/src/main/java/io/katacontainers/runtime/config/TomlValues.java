package io.katacontainers.runtime.config;

import io.katacontainers.api.config.Key;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

import java.util.ArrayList;
import java.util.List;

/** Converts tomlj's values to the Java types of {@link Key.Kind}, or says why they do not fit. */
final class TomlValues {

    /** The outcome of a conversion. */
    sealed interface Conversion {
        record Converted(Object value) implements Conversion {
        }

        record Mismatch(String problem) implements Conversion {
        }
    }

    private TomlValues() {
    }

    static Conversion convert(Key.Kind kind, Object value) {
        return switch (kind) {
            case BOOLEAN -> value instanceof Boolean ? ok(value) : expected(kind, value);
            case STRING -> value instanceof String ? ok(value) : expected(kind, value);
            case LONG -> value instanceof Long ? ok(value) : expected(kind, value);
            case INTEGER -> switch (value) {
                case Long l when l < Integer.MIN_VALUE || l > Integer.MAX_VALUE ->
                        new Conversion.Mismatch(l + " is out of range (at most " + Integer.MAX_VALUE + ")");
                case Long l -> ok(l.intValue());
                default -> expected(kind, value);
            };
            case NUMBER -> switch (value) {
                case Long l -> ok(l.doubleValue());
                case Double d when !Double.isFinite(d) -> new Conversion.Mismatch(d + " is not a finite number");
                case Double d -> ok(d);
                default -> expected(kind, value);
            };
            case STRING_LIST -> strings(kind, value);
        };
    }

    private static Conversion strings(Key.Kind kind, Object value) {
        if (!(value instanceof TomlArray array)) {
            return expected(kind, value);
        }
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof String s)) {
                return new Conversion.Mismatch("expected " + kind.description() + ", but entry " + i + " is "
                        + describe(array.get(i)));
            }
            out.add(s);
        }
        return ok(List.copyOf(out));
    }

    private static Conversion ok(Object value) {
        return new Conversion.Converted(value);
    }

    private static Conversion expected(Key.Kind kind, Object value) {
        return new Conversion.Mismatch("expected " + kind.description() + ", found " + describe(value));
    }

    /** "a string (\"2048\")", "an integer (5)", ... as a reader of the file would call the value. */
    static String describe(Object value) {
        return switch (value) {
            case String s -> "a string (\"" + s + "\")";
            case Long l -> "an integer (" + l + ")";
            case Double d -> "a float (" + d + ")";
            case Boolean b -> "a boolean (" + b + ")";
            case TomlArray ignored -> "an array";
            case TomlTable ignored -> "a table";
            default -> "a date/time (" + value + ")";
        };
    }
}
