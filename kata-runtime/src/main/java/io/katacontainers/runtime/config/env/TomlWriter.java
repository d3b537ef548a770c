package io.katacontainers.runtime.config.env;

import org.tomlj.Toml;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a report tree as TOML in the layout of Kata's env output (the Go TOML encoder's): in each table the plain
 * keys first, then the sub-tables; nested tables indented two spaces per level; a blank line between top-level
 * tables.
 */
public final class TomlWriter {

    private static final String INDENT = "  ";

    private TomlWriter() {
    }

    public static String write(Map<String, ?> tree) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, ?> table : tree.entrySet()) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            table(out, List.of(table.getKey()), asTable(table.getValue()));
        }
        return out.toString();
    }

    private static void table(StringBuilder out, List<String> path, Map<String, ?> table) {
        String indent = INDENT.repeat(path.size() - 1);
        out.append(indent).append('[').append(Toml.joinKeyPath(path)).append("]\n");
        List<Map.Entry<String, ?>> tables = new ArrayList<>();
        for (Map.Entry<String, ?> entry : table.entrySet()) {
            if (entry.getValue() instanceof Map<?, ?>) {
                tables.add(entry);
            } else {
                out.append(indent).append(INDENT).append(key(entry.getKey())).append(" = ")
                        .append(value(entry.getValue())).append('\n');
            }
        }
        for (Map.Entry<String, ?> entry : tables) {
            List<String> child = new ArrayList<>(path);
            child.add(entry.getKey());
            table(out, child, asTable(entry.getValue()));
        }
    }

    private static String key(String key) {
        return Toml.joinKeyPath(List.of(key));
    }

    private static String value(Object value) {
        return switch (value) {
            case String s -> '"' + Toml.tomlEscape(s).toString() + '"';
            case Boolean b -> b.toString();
            case Integer i -> i.toString();
            case Long l -> l.toString();
            // Double.toString always has a '.' or an exponent, both valid TOML floats.
            case Double d -> d.toString();
            case List<?> list -> list.stream().map(TomlWriter::value).collect(Collectors.joining(", ", "[", "]"));
            default -> throw new IllegalArgumentException("no TOML form for " + value.getClass().getName());
        };
    }

    @SuppressWarnings("unchecked") // Report trees are built with String keys only.
    private static Map<String, ?> asTable(Object value) {
        if (!(value instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("a top-level entry must be a table, found " + value);
        }
        return (Map<String, ?>) value;
    }
}
