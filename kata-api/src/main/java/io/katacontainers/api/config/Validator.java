package io.katacontainers.api.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Checks one value of a configuration key. The returned text completes a sentence that starts with the key, e.g.
 * {@code "100 is below the minimum of 256 MiB"}.
 */
@FunctionalInterface
public interface Validator<T> {

    /** Returns what is wrong with {@code value}, or empty when it is acceptable. */
    Optional<String> problem(T value);

    /** Accepts everything. */
    static <T> Validator<T> any() {
        return value -> Optional.empty();
    }

    /** Both checks must pass; the first problem is reported. */
    default Validator<T> and(Validator<? super T> other) {
        return value -> problem(value).or(() -> other.problem(value));
    }

    static Validator<Number> atLeast(long minimum, String unit) {
        return value -> value.longValue() >= minimum
                ? Optional.empty()
                : Optional.of(value + " is below the minimum of " + minimum + unit);
    }

    static Validator<Number> atMost(long maximum, String unit) {
        return value -> value.longValue() <= maximum
                ? Optional.empty()
                : Optional.of(value + " is above the maximum of " + maximum + unit);
    }

    /** For Kata's unsigned fields. */
    static Validator<Number> nonNegative() {
        return value -> value.longValue() >= 0
                ? Optional.empty()
                : Optional.of(value + " is negative; expected 0 or more");
    }

    static Validator<String> oneOf(String... allowed) {
        List<String> choices = List.of(allowed);
        return value -> choices.contains(value)
                ? Optional.empty()
                : Optional.of(quote(value) + " is not one of "
                        + choices.stream().map(Validator::quote).collect(Collectors.joining(", ")));
    }

    /** A non-empty absolute path. Existence is not checked: files are looked for when a sandbox starts. */
    static Validator<String> absolutePath() {
        return value -> value.isEmpty()
                ? Optional.of("must not be empty")
                : absolutePathOrEmpty().problem(value);
    }

    /** An absolute path, or "" for "not set". */
    static Validator<String> absolutePathOrEmpty() {
        return value -> value.isEmpty() || Path.of(value).isAbsolute()
                ? Optional.empty()
                : Optional.of(quote(value) + " is not an absolute path");
    }

    /** Kata's block device sector sizes: 0 (the hypervisor's default) or a power of two from 512 to 65536. */
    static Validator<Number> sectorSize() {
        return value -> {
            long size = value.longValue();
            boolean ok = size == 0 || (size >= 512 && size <= 65536 && Long.bitCount(size) == 1);
            return ok ? Optional.empty()
                    : Optional.of(size + " is not 0 or a power of 2 between 512 and 65536");
        };
    }

    /** A regular expression (Kata's enable_annotations entries are patterns over key names). */
    static Validator<String> regex() {
        return value -> {
            try {
                Pattern.compile(value);
                return Optional.empty();
            } catch (PatternSyntaxException e) {
                return Optional.of(quote(value) + " is not a valid regular expression: " + e.getDescription());
            }
        };
    }

    /** Applies {@code element} to each entry of a list, naming the index of the first bad one. */
    static Validator<List<String>> each(Validator<String> element) {
        return values -> {
            for (int i = 0; i < values.size(); i++) {
                Optional<String> problem = element.problem(values.get(i));
                if (problem.isPresent()) {
                    return Optional.of("entry " + i + ": " + problem.get());
                }
            }
            return Optional.empty();
        };
    }

    /** For keys Kata has but this runtime cannot honour: only the given (default) value is accepted. */
    static <T> Validator<T> only(T supported, String reason) {
        return value -> supported.equals(value) ? Optional.empty() : Optional.of(reason);
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }
}
