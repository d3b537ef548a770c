package io.katacontainers.agent.system;

import io.katacontainers.errdefs.ErrdefsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code net.*} sysctls of a container's spec. The containers of a sandbox share one network namespace, the
 * guest's, where the sandbox's interfaces are (as in Kata's agent, whose validator lets {@code net.*} through
 * because "the network ns is shared with the guest"). crun and runc refuse a {@code net.*} sysctl unless they create
 * the network namespace themselves, so the agent takes them out of the spec it hands to the runtime and writes them
 * into that shared namespace itself.
 */
public final class NetworkSysctls {
    private static final Pattern KEY = Pattern.compile("net(\\.[A-Za-z0-9_\\-]+)+");

    private NetworkSysctls() {
    }

    /** Whether the key is a network namespace's sysctl ({@code net.} prefix). */
    public static boolean isNetwork(String key) {
        return key.startsWith("net.");
    }

    /** The spec's {@code net.*} sysctls, in order. */
    public static Map<String, String> of(Map<String, String> sysctls) {
        Map<String, String> network = new LinkedHashMap<>();
        sysctls.forEach((key, value) -> {
            if (isNetwork(key)) {
                network.put(key, value);
            }
        });
        return network;
    }

    /** The file of a sysctl key under {@code procSys} (dots are separators, as runc reads them). */
    public static Path fileOf(Path procSys, String key) {
        if (!KEY.matcher(key).matches()) {
            throw ErrdefsException.invalidArgument("sysctl '" + key + "' is not a network sysctl name (net.<a>.<b>)");
        }
        return procSys.resolve(key.replace('.', '/'));
    }

    /** Writes each sysctl under {@code procSys}; a key the kernel does not have is an error naming it. */
    static void write(Path procSys, Map<String, String> sysctls) throws IOException {
        for (var entry : sysctls.entrySet()) {
            Path file = fileOf(procSys, entry.getKey());
            if (!Files.exists(file)) {
                throw ErrdefsException.invalidArgument("sysctl " + entry.getKey() + " does not exist in the guest ("
                        + file + ")");
            }
            Files.writeString(file, entry.getValue());
        }
    }
}
