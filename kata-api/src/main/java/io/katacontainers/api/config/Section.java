package io.katacontainers.api.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The schema of one TOML table ({@code [hypervisor.qemu]}, {@code [runtime]}, ...): its keys, in the order of the
 * section record's components.
 *
 * <p>The record is built through its canonical constructor and read through its accessors, matched to the keys by
 * position and name ({@link Key#componentName()}) and checked when the section is created. So adding a key means
 * adding a record component and a schema entry, and a mismatch fails at class initialisation, not with a value
 * silently landing in the wrong field.
 *
 * @param <R> the section record
 */
public final class Section<R extends Record> {

    private final String name;
    private final List<Key<?>> keys;
    private final Map<String, Key<?>> byName;
    private final RecordComponent[] components;
    private final Constructor<R> constructor;

    Section(String name, Class<R> type, List<Key<?>> keys) {
        this.name = Objects.requireNonNull(name, "name");
        this.keys = List.copyOf(keys);
        this.components = type.getRecordComponents();
        if (components.length != this.keys.size()) {
            throw new IllegalArgumentException(this + ": " + this.keys.size() + " keys for " + components.length
                    + " components of " + type.getSimpleName());
        }
        Map<String, Key<?>> index = new LinkedHashMap<>();
        for (int i = 0; i < components.length; i++) {
            Key<?> key = this.keys.get(i);
            RecordComponent component = components[i];
            if (!component.getName().equals(key.componentName()) || component.getType() != key.kind().componentType()) {
                throw new IllegalArgumentException(this + ": key " + i + " (" + key.name() + ", " + key.kind()
                        + ") does not match component " + component.getType().getSimpleName() + " "
                        + component.getName());
            }
            if (index.put(key.name(), key) != null) {
                throw new IllegalArgumentException(this + " declares " + key.name() + " twice");
            }
        }
        this.byName = Collections.unmodifiableMap(index);
        try {
            this.constructor = type.getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("a record always has a canonical constructor", e);
        }
    }

    /** The table name as written between brackets, e.g. {@code hypervisor.qemu}. */
    public String name() {
        return name;
    }

    public List<Key<?>> keys() {
        return keys;
    }

    public Optional<Key<?>> key(String keyName) {
        return Optional.ofNullable(byName.get(keyName));
    }

    /** The record with every key at its default: what an absent or empty table means. */
    public R defaults() {
        return build(Map.of());
    }

    /**
     * Builds the record from values already converted to each key's type; missing keys take their defaults.
     * The loader validates each value first, to report problems with their file and line; the check here guards
     * other callers.
     *
     * @throws IllegalArgumentException for a name that is not a key of this section, or a value its validator rejects
     * @throws ClassCastException       for a value of the wrong type
     */
    public R build(Map<String, ?> values) {
        for (String keyName : values.keySet()) {
            if (!byName.containsKey(keyName)) {
                throw new IllegalArgumentException(this + " has no key " + keyName);
            }
        }
        Object[] args = new Object[keys.size()];
        for (int i = 0; i < args.length; i++) {
            Key<?> key = keys.get(i);
            Object value = values.get(key.name());
            args[i] = value == null ? key.defaultValue() : checked(key, value);
        }
        try {
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(this + ": " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(this + ": cannot call the canonical constructor", e);
        }
    }

    private <T> T checked(Key<T> key, Object value) {
        T typed = key.cast(value);
        key.check(typed).ifPresent(problem -> {
            throw new IllegalArgumentException(this + " " + key.name() + ": " + problem);
        });
        return typed;
    }

    /** The record's values under the file's key names, in schema order. */
    public Map<String, Object> settings(R section) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < components.length; i++) {
            try {
                out.put(keys.get(i).name(), components[i].getAccessor().invoke(section));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(this + ": cannot read " + components[i].getName(), e);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public String toString() {
        return "[" + name + "]";
    }
}
