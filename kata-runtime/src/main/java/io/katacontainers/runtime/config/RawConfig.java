package io.katacontainers.runtime.config;

import io.katacontainers.api.config.ConfigIssue;
import io.katacontainers.api.config.ConfigSchema;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configuration tables as written, before typing: section name ({@code hypervisor.qemu}, {@code runtime}, ...)
 * to key to raw TOML value, each with where it was written. Files are read into one of these and laid over each
 * other, the main file first and then each fragment, so that a later file replaces single keys and adds tables
 * without erasing the rest (Kata's deep merge).
 */
final class RawConfig {

    /** A value as tomlj parsed it, and where it was written. */
    record Setting(Object value, Origin origin) {
    }

    /** A table: where its header was first written, and its keys in file order. */
    record Table(Origin header, Map<String, Setting> settings) {
    }

    private static final Set<String> TABLES_OF_TABLES = Set.of("hypervisor", "agent");
    private static final Set<String> PLAIN_TABLES = Set.of("runtime", "factory");

    private final Map<String, Table> tables = new LinkedHashMap<>();

    /**
     * Reads one parsed file. Structural problems (a section that is not a table) go to {@code errors}; tables and
     * keys outside the schema's sections go to {@code warnings}. Unknown keys inside known sections are left for
     * {@link ConfigLoader}, which knows each section's keys.
     */
    static RawConfig of(TomlTable root, Path file, List<ConfigIssue> errors, List<ConfigIssue> warnings) {
        RawConfig raw = new RawConfig();
        for (Map.Entry<String, Object> top : root.entrySet()) {
            String name = top.getKey();
            Origin origin = origin(root, List.of(name), file, 0);
            boolean isTable = top.getValue() instanceof TomlTable;
            if (TABLES_OF_TABLES.contains(name)) {
                if (!isTable) {
                    errors.add(origin.issue(name + ": expected tables such as [" + name + ".<name>], found a value"));
                    continue;
                }
                raw.readTablesOf(root, (TomlTable) top.getValue(), name, file, errors, warnings);
            } else if (PLAIN_TABLES.contains(name)) {
                if (!isTable) {
                    errors.add(origin.issue(name + ": expected a table [" + name + "], found a value"));
                    continue;
                }
                raw.read(root, (TomlTable) top.getValue(), List.of(name), file);
            } else {
                warnings.add(origin.issue(isTable ? "unknown table [" + name + "], ignored"
                        : "unknown key " + name + " outside any table, ignored"));
            }
        }
        return raw;
    }

    private void readTablesOf(TomlTable root, TomlTable parent, String parentName, Path file,
                              List<ConfigIssue> errors, List<ConfigIssue> warnings) {
        for (Map.Entry<String, Object> entry : parent.entrySet()) {
            List<String> path = List.of(parentName, entry.getKey());
            String section = parentName + "." + entry.getKey();
            Origin origin = origin(root, path, file, 0);
            if (!(entry.getValue() instanceof TomlTable table)) {
                errors.add(origin.issue("[" + parentName + "] " + entry.getKey() + ": expected a table ["
                        + section + "], found a value"));
            } else if (parentName.equals("agent") && !entry.getKey().equals(ConfigSchema.AGENT_NAME)) {
                warnings.add(origin.issue("unknown table [" + section + "], ignored (the agent's table is [agent."
                        + ConfigSchema.AGENT_NAME + "])"));
            } else {
                read(root, table, path, file);
            }
        }
    }

    private void read(TomlTable root, TomlTable table, List<String> path, Path file) {
        Origin header = origin(root, path, file, 0);
        Table target = tables.computeIfAbsent(String.join(".", path),
                name -> new Table(header, new LinkedHashMap<>()));
        for (Map.Entry<String, Object> entry : table.entrySet()) {
            Origin origin = origin(table, List.of(entry.getKey()), file, header.line());
            target.settings().put(entry.getKey(), new Setting(entry.getValue(), origin));
        }
    }

    /** Lays {@code later} over this: its keys replace ours one by one; tables only it has are added. */
    void overlay(RawConfig later) {
        later.tables.forEach((name, table) -> tables
                .computeIfAbsent(name, n -> new Table(table.header(), new LinkedHashMap<>()))
                .settings().putAll(table.settings()));
    }

    /** The tables by section name, in the order they first appeared. */
    Map<String, Table> tables() {
        return Collections.unmodifiableMap(tables);
    }

    private static Origin origin(TomlTable table, List<String> path, Path file, int fallbackLine) {
        TomlPosition position = table.inputPositionOf(path);
        return new Origin(file, position == null ? fallbackLine : position.line());
    }
}
