package io.katacontainers.runtime.shim;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.katacontainers.containerd.runtimeoptions.Options;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The runtime options containerd hands the shim (on {@code start}'s stdin and in {@code Create}): a protobuf Any of
 * {@code runtimeoptions.v1.Options}, whose {@code config_path} is {@code ctr --runtime-config-path} or CRI's
 * {@code ConfigPath}. Kata's own option types are not used with containerd 1.6's {@code ctr}.
 */
public final class RuntimeOptions {
    /** The type URL containerd 1.6 writes (no {@code type.googleapis.com/} prefix). */
    public static final String TYPE_URL = "runtimeoptions.v1.Options";

    private RuntimeOptions() {
    }

    /** The configuration file named by serialized options; empty when there are none or they name no file. */
    public static Optional<Path> configPath(byte[] serializedAny) {
        if (serializedAny.length == 0) {
            return Optional.empty();
        }
        try {
            return configPath(Any.parseFrom(serializedAny));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the runtime options from containerd are not a protobuf Any: "
                    + e.getMessage(), e);
        }
    }

    /** The configuration file named by the options; empty when they are unset or name no file. */
    public static Optional<Path> configPath(Any options) {
        if (options.getTypeUrl().isEmpty() && options.getValue().isEmpty()) {
            return Optional.empty();
        }
        String type = options.getTypeUrl().substring(options.getTypeUrl().lastIndexOf('/') + 1);
        if (!type.equals(TYPE_URL)) {
            throw new IllegalArgumentException("unsupported runtime options type '" + options.getTypeUrl()
                    + "': containerd-shim-kata-v2 takes " + TYPE_URL + " (ctr --runtime-config-path, or CRI's "
                    + "ConfigPath in the runtime's options)");
        }
        try {
            String path = Options.parseFrom(options.getValue()).getConfigPath();
            return path.isEmpty() ? Optional.empty() : Optional.of(Path.of(path));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("invalid " + TYPE_URL + " from containerd: " + e.getMessage(), e);
        }
    }
}
