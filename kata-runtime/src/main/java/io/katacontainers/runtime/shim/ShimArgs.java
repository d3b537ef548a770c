package io.katacontainers.runtime.shim;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The command line containerd gives a v2 shim, parsed as Go's {@code flag} package does: {@code -name value},
 * {@code -name=value} or {@code --name value}, flags before the action, the action ({@code start}, {@code delete},
 * or none for the daemon) last.
 *
 * @param namespace     containerd namespace of the task ({@code -namespace})
 * @param address       containerd's gRPC socket ({@code -address}); with the namespace and id it names our socket
 * @param publishBinary containerd's binary ({@code -publish-binary}); unused, events go over ttrpc
 * @param id            the task id ({@code -id})
 * @param bundle        the bundle, when not the working directory ({@code -bundle})
 * @param debug         {@code -debug}: log at debug level
 * @param action        {@code start}, {@code delete}, {@code help}, {@code version} or empty for the daemon
 */
public record ShimArgs(String namespace, String address, String publishBinary, String id, Optional<Path> bundle,
                       boolean debug, String action) {
    public static final String USAGE = """
            Usage: containerd-shim-kata-v2 [flags] [start|delete]
            containerd's v2 shim for Kata Containers: containerd runs it, not users.
              -namespace NS          containerd namespace of the task
              -address SOCKET        containerd's gRPC address (the shim's socket is derived from it)
              -publish-binary PATH   containerd's binary (accepted; events go to $TTRPC_ADDRESS over ttrpc)
              -id ID                 task id
              -bundle DIR            bundle directory (default: the working directory)
              -debug                 log at debug level
              -v                     print the version and exit
            start   launches the shim daemon for the task (or finds its pod's) and prints its address
            delete  cleans up after a dead shim and prints a DeleteResponse
            Example (what containerd 1.6 does):
              TTRPC_ADDRESS=/run/containerd/containerd.sock.ttrpc containerd-shim-kata-v2 -namespace default \\
                -address /run/containerd/containerd.sock -publish-binary /usr/bin/containerd -id c1 start
            """;

    /** Parses containerd's arguments; the message of the exception says which argument is wrong. */
    public static ShimArgs parse(String... args) {
        String namespace = "";
        String address = "";
        String publishBinary = "containerd";
        String id = "";
        Optional<Path> bundle = Optional.empty();
        boolean debug = false;
        int at = 0;
        while (at < args.length && args[at].startsWith("-") && !args[at].equals("-")) {
            String arg = args[at++];
            if (arg.equals("--")) {
                break;
            }
            String name = arg.replaceFirst("^--?", "");
            String value = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            switch (name) {
                case "debug" -> debug = value == null || Boolean.parseBoolean(value);
                case "v", "version" -> {
                    return new ShimArgs(namespace, address, publishBinary, id, bundle, debug, "version");
                }
                case "h", "help" -> {
                    return new ShimArgs(namespace, address, publishBinary, id, bundle, debug, "help");
                }
                case "namespace", "address", "publish-binary", "id", "bundle", "socket" -> {
                    if (value == null) {
                        if (at >= args.length) {
                            throw new IllegalArgumentException("flag needs an argument: -" + name);
                        }
                        value = args[at++];
                    }
                    switch (name) {
                        case "namespace" -> namespace = value;
                        case "address" -> address = value;
                        case "publish-binary" -> publishBinary = value;
                        case "id" -> id = value;
                        case "bundle" -> bundle = value.isEmpty() ? Optional.empty() : Optional.of(Path.of(value));
                        default -> { } // -socket: containerd 1.6 never passes it; the address is derived
                    }
                }
                default -> throw new IllegalArgumentException("flag provided but not defined: -" + name
                        + " (see --help)");
            }
        }
        String action = at < args.length ? args[at] : "";
        return new ShimArgs(namespace, address, publishBinary, id, bundle, debug, action);
    }

    /** Fails with what is missing when the flags every action needs are absent. */
    public ShimArgs requireTask() {
        if (namespace.isEmpty()) {
            throw new IllegalArgumentException("shim namespace cannot be empty (-namespace)");
        }
        if (id.isEmpty()) {
            throw new IllegalArgumentException("shim id cannot be empty (-id)");
        }
        if (address.isEmpty()) {
            throw new IllegalArgumentException("containerd's address cannot be empty (-address)");
        }
        return this;
    }

    /** The bundle: {@code -bundle}, else the working directory (where containerd starts the shim). */
    public Path bundleDir() {
        return bundle.orElse(Path.of("")).toAbsolutePath().normalize();
    }
}
