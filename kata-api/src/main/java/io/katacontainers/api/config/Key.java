package io.katacontainers.api.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One key of a configuration section: its TOML name, type, default and validator.
 *
 * @param <T> the Java type of the value
 */
public record Key<T>(String name, Kind kind, T defaultValue, Validator<? super T> validator) {

    /** The value types Kata's configuration uses, with the Java type each one is held in. */
    public enum Kind {
        BOOLEAN(Boolean.class, boolean.class, "a boolean"),
        /** Kata's uint32 fields; held in an int, so larger values are rejected. */
        INTEGER(Integer.class, int.class, "an integer"),
        /** Kata's uint64/int64 fields. */
        LONG(Long.class, long.class, "an integer"),
        /** Kata's float fields (default_vcpus); TOML integers are accepted too. */
        NUMBER(Double.class, double.class, "a number"),
        STRING(String.class, String.class, "a string"),
        STRING_LIST(List.class, List.class, "an array of strings");

        private final Class<?> boxedType;
        private final Class<?> componentType;
        private final String description;

        Kind(Class<?> boxedType, Class<?> componentType, String description) {
            this.boxedType = boxedType;
            this.componentType = componentType;
            this.description = description;
        }

        /** The type of the record component that holds a value of this kind. */
        Class<?> componentType() {
            return componentType;
        }

        /** For messages: "an integer", "an array of strings", ... */
        public String description() {
            return description;
        }
    }

    public Key {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(validator, "validator");
        defaultValue = checkedCast(name, kind, defaultValue);
        // A schema whose own default fails validation is a programming error: fail when the schema is built.
        Optional<String> problem = validator.problem(defaultValue);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(name + ": default fails validation: " + problem.get());
        }
    }

    public static Key<Boolean> flag(String name, boolean defaultValue) {
        return new Key<>(name, Kind.BOOLEAN, defaultValue, Validator.any());
    }

    public static Key<Integer> integer(String name, int defaultValue, Validator<? super Integer> validator) {
        return new Key<>(name, Kind.INTEGER, defaultValue, validator);
    }

    public static Key<Long> longInteger(String name, long defaultValue, Validator<? super Long> validator) {
        return new Key<>(name, Kind.LONG, defaultValue, validator);
    }

    public static Key<Double> number(String name, double defaultValue, Validator<? super Double> validator) {
        return new Key<>(name, Kind.NUMBER, defaultValue, validator);
    }

    public static Key<String> string(String name, String defaultValue, Validator<? super String> validator) {
        return new Key<>(name, Kind.STRING, defaultValue, validator);
    }

    public static Key<List<String>> strings(String name, List<String> defaultValue,
                                            Validator<? super List<String>> validator) {
        return new Key<>(name, Kind.STRING_LIST, defaultValue, validator);
    }

    /** The same key with another default, for sections that share a key but not its default. */
    public Key<T> withDefault(T newDefault) {
        return new Key<>(name, kind, newDefault, validator);
    }

    /** The same key with another validator, for sections that accept other values. */
    public Key<T> withValidator(Validator<? super T> newValidator) {
        return new Key<>(name, kind, defaultValue, newValidator);
    }

    /**
     * Converts a value of this key's {@link #kind()} to {@code T}; lists are copied to an immutable list.
     *
     * @throws ClassCastException if {@code value} is not of this key's kind (or a list holds a non-string)
     */
    public T cast(Object value) {
        return checkedCast(name, kind, value);
    }

    /** Returns what is wrong with {@code value}, or empty when the validator accepts it. */
    public Optional<String> check(T value) {
        return validator.problem(value);
    }

    /** The record component name for this key: {@code default_maxvcpus} becomes {@code defaultMaxvcpus}. */
    public String componentName() {
        StringBuilder out = new StringBuilder(name.length());
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    @SuppressWarnings("unchecked") // Sound: the value is checked against kind, and each factory pairs T with its kind.
    private static <T> T checkedCast(String name, Kind kind, Object value) {
        if (!kind.boxedType.isInstance(value)) {
            throw new ClassCastException(name + ": " + value + " is not " + kind.description());
        }
        if (value instanceof List<?> list) {
            for (Object element : list) {
                if (!(element instanceof String)) {
                    throw new ClassCastException(name + ": " + element + " is not a string");
                }
            }
            return (T) List.copyOf(list);
        }
        return (T) value;
    }
}
