package io.katacontainers.runtime.sandbox;

import io.katacontainers.api.hypervisor.AgentEndpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a sandbox's debug console ({@code [agent.kata] debug_console_enabled}) is reached, kept in the sandbox
 * directory as one URL in Kata's agent-url forms ({@code vsock://CID:PORT}, {@code hvsock://PATH:PORT},
 * {@code unix://PATH} for a virtio-serial port), so that {@code kata-runtime debug-console} finds it whichever
 * front end (shim, {@code create}, {@code run}) started the sandbox. It goes with the directory.
 */
public final class DebugConsoleAddress {
    /** The file in the sandbox directory. */
    public static final String FILE = "debug-console.url";

    private DebugConsoleAddress() {
    }

    static void write(Path sandboxDir, AgentEndpoint endpoint) throws IOException {
        Files.writeString(sandboxDir.resolve(FILE), url(endpoint) + "\n");
    }

    /** The console's endpoint; empty when the sandbox was started without a debug console. */
    public static Optional<AgentEndpoint> read(Path sandboxDir) throws IOException {
        try {
            return Optional.of(parse(Files.readString(sandboxDir.resolve(FILE)).strip()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Kata's agent URL of {@code endpoint}. */
    public static String url(AgentEndpoint endpoint) {
        return switch (endpoint) {
            case AgentEndpoint.Vsock v -> "vsock://" + v.contextId() + ":" + v.port();
            case AgentEndpoint.HybridVsock h -> "hvsock://" + h.socket() + ":" + h.port();
            case AgentEndpoint.VirtioSerial s -> "unix://" + s.socket();
        };
    }

    /** The endpoint of a URL {@link #url} wrote. */
    static AgentEndpoint parse(String url) throws IOException {
        try {
            if (url.startsWith("unix://")) {
                return new AgentEndpoint.VirtioSerial(Path.of(url.substring("unix://".length())));
            }
            int colon = url.lastIndexOf(':');
            if (url.startsWith("hvsock://") && colon > "hvsock://".length()) {
                return new AgentEndpoint.HybridVsock(Path.of(url.substring("hvsock://".length(), colon)),
                        Integer.parseInt(url.substring(colon + 1)));
            }
            if (url.startsWith("vsock://") && colon > "vsock://".length()) {
                return new AgentEndpoint.Vsock(Long.parseLong(url.substring("vsock://".length(), colon)),
                        Integer.parseInt(url.substring(colon + 1)));
            }
        } catch (NumberFormatException e) {
            throw new IOException("not a debug console address: " + url, e);
        }
        throw new IOException("not a debug console address: " + url);
    }
}
