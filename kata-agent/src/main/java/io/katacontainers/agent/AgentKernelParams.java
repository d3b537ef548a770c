package io.katacontainers.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code agent.*} parameters of the guest kernel command line, Kata's way of configuring its agent without a
 * config file (e.g. {@code agent.server_addr=vsock://-1:1024 agent.log=warn}).
 */
final class AgentKernelParams {
    private static final Path CMDLINE = Path.of("/proc/cmdline");
    private static final String PREFIX = "agent.";

    private AgentKernelParams() {
    }

    /** The agent parameters without their prefix, e.g. {@code runtime -> /usr/bin/crun}; none without /proc. */
    static Map<String, String> agentParameters() {
        try {
            return parse(Files.readString(CMDLINE));
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CMDLINE, e);
        }
    }

    static Map<String, String> parse(String commandLine) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String word : commandLine.strip().split("\\s+")) {
            if (word.startsWith(PREFIX)) {
                int equals = word.indexOf('=');
                String key = word.substring(PREFIX.length(), equals < 0 ? word.length() : equals);
                parameters.put(key, equals < 0 ? "" : word.substring(equals + 1));
            }
        }
        return parameters;
    }
}
