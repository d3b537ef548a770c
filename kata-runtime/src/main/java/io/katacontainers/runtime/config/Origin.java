package io.katacontainers.runtime.config;

import io.katacontainers.api.config.ConfigIssue;

import java.nio.file.Path;

/** Where something was written: a file and a 1-based line (0 for the file as a whole). */
record Origin(Path file, int line) {

    ConfigIssue issue(String message) {
        return new ConfigIssue(file, line, message);
    }

    /** {@code file:line}, as in messages. */
    @Override
    public String toString() {
        return line == 0 ? file.toString() : file + ":" + line;
    }
}
