package io.katacontainers.check.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The directory the host's /proc, /sys, /dev and /lib/modules are read from: "/" normally, a fixture tree
 * in tests or a mounted image when inspecting another machine. Paths in messages stay host paths.
 */
public record HostRoot(Path root) {

    public Path resolve(String hostPath) {
        return root.resolve(hostPath.startsWith("/") ? hostPath.substring(1) : hostPath);
    }

    public boolean exists(String hostPath) {
        return Files.exists(resolve(hostPath));
    }

    /** The file's content without surrounding whitespace; empty when the file does not exist. */
    public Optional<String> read(String hostPath) throws IOException {
        try {
            return Optional.of(Files.readString(resolve(hostPath)).strip());
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        }
    }
}
