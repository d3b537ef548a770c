package io.katacontainers.runtime.agent;

import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.TtrpcServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;

/** A stand-in agent for the length of a test: a ttrpc server with the given services on a unix socket. */
public record FakeAgent(TtrpcServer server, Path socket, Thread acceptor) implements AutoCloseable {

    /** Serves {@code agentService} as {@code grpc.AgentService} on {@code socket}. */
    public static FakeAgent serve(Path socket, ServiceDefinition.Builder agentService) throws IOException {
        TtrpcServer server = TtrpcServer.of(agentService.build());
        return new FakeAgent(server, socket, listen(server, socket));
    }

    /** Serves {@code server} on a new unix socket at {@code socket}, from a virtual thread (returned). */
    public static Thread listen(TtrpcServer server, Path socket) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        return Thread.ofVirtual().name("ttrpc " + socket.getFileName()).start(() -> {
            try {
                server.listen(listener);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A service builder named as the agent's. */
    public static ServiceDefinition.Builder service() {
        return ServiceDefinition.builder(AgentClient.AGENT);
    }

    /** A new client connection to this agent. */
    public AgentClient client() throws IOException {
        return AgentClient.connect(socket);
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
        acceptor.join();
    }
}
