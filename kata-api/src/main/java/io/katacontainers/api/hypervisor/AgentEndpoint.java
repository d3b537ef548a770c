package io.katacontainers.api.hypervisor;

import java.nio.file.Path;

/** Where and how the host connects to the agent inside a VM. */
public sealed interface AgentEndpoint {
    /** A unix socket that carries the agent's virtio-serial port {@code agent.channel.0} byte for byte. */
    record VirtioSerial(Path socket) implements AgentEndpoint {
    }

    /** A hybrid-vsock unix socket: write {@code CONNECT <port>\n}, read {@code OK <n>\n}, then the stream. */
    record HybridVsock(Path socket, int port) implements AgentEndpoint {
    }

    /** Kernel vsock (vhost-vsock): connect with AF_VSOCK to the guest's context id and port. */
    record Vsock(long contextId, int port) implements AgentEndpoint {
    }
}
