package io.katacontainers.runtime.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The files containerd and the shim share in a task's bundle: {@code config.json} (read for its annotations only),
 * {@code address} (the shim's ttrpc address, which containerd reads back on restart) and {@code shim.pid}.
 */
final class BundleFiles {
    static final String ADDRESS = "address";
    static final String SHIM_PID = "shim.pid";
    static final String LOG = "log";

    private BundleFiles() {
    }

    /** The spec's annotations; empty when it has none. */
    static Map<String, String> annotations(Path bundle) throws ShimException {
        Path config = bundle.resolve("config.json");
        try {
            JsonNode annotations = new ObjectMapper().readTree(Files.readAllBytes(config)).path("annotations");
            Map<String, String> map = new LinkedHashMap<>();
            annotations.properties().forEach(entry -> map.put(entry.getKey(), entry.getValue().asText()));
            return map;
        } catch (NoSuchFileException e) {
            throw new ShimException(config + " does not exist: containerd starts the shim in the task's bundle "
                    + "(or pass -bundle)", e);
        } catch (IOException e) {
            throw new ShimException("cannot read " + config + ": " + e.getMessage(), e);
        }
    }

    static void write(Path bundle, String file, String content) throws ShimException {
        Path path = bundle.resolve(file);
        Path tmp = bundle.resolve(file + ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ShimException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** A file's trimmed content; empty when it does not exist or cannot be read. */
    static Optional<String> read(Path bundle, String file) {
        try {
            return Optional.of(Files.readString(bundle.resolve(file)).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
