package io.katacontainers.runtime.config;

import io.katacontainers.api.config.ConfigIssue;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration cannot be used: no file was found, a file cannot be read or parsed, or values are invalid.
 * Every problem found is reported at once, each with its file and (where it has one) line.
 */
public final class ConfigException extends Exception {

    private final List<ConfigIssue> issues;

    /** @param summary a first line saying what failed; the issues follow it, one per line */
    public ConfigException(String summary, List<ConfigIssue> issues) {
        super(summary + issues.stream().map(issue -> "\n  " + issue).collect(Collectors.joining()));
        this.issues = List.copyOf(issues);
    }

    /** For problems inside configuration files: the message is the issues, one per line. */
    public ConfigException(List<ConfigIssue> issues) {
        super(issues.stream().map(ConfigIssue::toString).collect(Collectors.joining("\n")));
        if (issues.isEmpty()) {
            throw new IllegalArgumentException("a configuration error needs at least one issue");
        }
        this.issues = List.copyOf(issues);
    }

    public List<ConfigIssue> issues() {
        return issues;
    }
}
