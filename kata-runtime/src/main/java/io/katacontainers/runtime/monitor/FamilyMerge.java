package io.katacontainers.runtime.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges Prometheus text expositions that share family names (one per shim) into one: each family's
 * {@code # HELP} and {@code # TYPE} once, then the samples of every input. The samples are not rewritten (every
 * shim labels its own with {@code sandbox_id}); the grouping follows the comment lines the writer puts before each
 * family's samples.
 */
final class FamilyMerge {
    private final Map<String, Family> families = new LinkedHashMap<>();

    private static final class Family {
        private String help;
        private String type;
        private final List<String> samples = new ArrayList<>();
    }

    /** Adds one exposition. */
    void add(String text) {
        Family current = null;
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ", 4);
                if (parts.length < 3) {
                    continue;
                }
                current = families.computeIfAbsent(parts[2], name -> new Family());
                if (parts[1].equals("HELP") && current.help == null) {
                    current.help = line;
                } else if (parts[1].equals("TYPE") && current.type == null) {
                    current.type = line;
                }
            } else if (line.startsWith("#")) {
                continue;
            } else {
                if (current == null) {
                    current = families.computeIfAbsent(sampleName(line), name -> new Family());
                }
                current.samples.add(line);
            }
        }
    }

    private static String sampleName(String line) {
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
            end++;
        }
        return line.substring(0, end);
    }

    /** Number of samples merged so far. */
    int sampleCount() {
        return families.values().stream().mapToInt(family -> family.samples.size()).sum();
    }

    String text() {
        StringBuilder out = new StringBuilder();
        for (Family family : families.values()) {
            if (family.help != null) {
                out.append(family.help).append('\n');
            }
            if (family.type != null) {
                out.append(family.type).append('\n');
            }
            family.samples.forEach(sample -> out.append(sample).append('\n'));
        }
        return out.toString();
    }
}
