package io.katacontainers.api.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A problem found in a configuration file: an error (carried by the loader's exception) or a warning (kept in
 * {@link KataConfig#warnings()}).
 *
 * @param file    the file the problem is in
 * @param line    1-based line, or 0 when the problem concerns the file as a whole
 * @param message what is wrong, naming the section and key, e.g. {@code [hypervisor.qemu] default_memory: ...}
 */
public record ConfigIssue(Path file, int line, String message) {

    public ConfigIssue {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
        if (line < 0) {
            throw new IllegalArgumentException("line must not be negative: " + line);
        }
    }

    /** The compiler-style form used in logs and error output: {@code file:line: message}. */
    @Override
    public String toString() {
        return line == 0 ? file + ": " + message : file + ":" + line + ": " + message;
    }
}
