package io.katacontainers.agent.channel;

import io.katacontainers.ttrpc.TtrpcServer;
import java.io.IOException;

/** One way the host reaches the agent; each serves the ttrpc server on threads of its own. */
public sealed interface AgentListener extends AutoCloseable permits VsockChannel, SerialChannel, UnixChannel {

    /** Opens the channel and starts serving; returns once the host can connect. */
    void start(TtrpcServer server) throws IOException;

    /** Stops accepting; connections end when the server is closed. */
    @Override
    void close();

    /** The channel for an address. */
    static AgentListener of(ChannelAddress address) {
        return switch (address) {
            case ChannelAddress.Vsock vsock -> new VsockChannel(vsock.port());
            case ChannelAddress.Serial serial -> new SerialChannel(SerialPorts.resolve(serial.nameOrPath()));
            case ChannelAddress.Unix unix -> new UnixChannel(unix.path());
        };
    }
}
