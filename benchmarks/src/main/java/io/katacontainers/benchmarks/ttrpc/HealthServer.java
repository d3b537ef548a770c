package io.katacontainers.benchmarks.ttrpc;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.TtrpcServer;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Java ttrpc server the benchmarks call: grpc.Health/Check answering SERVING. Run as a program
 * ({@code HealthServer SOCKET}) it serves until killed and prints READY once it listens, for the Go client in
 * benchmarks/scripts/ttrpc-rtt.sh.
 */
public final class HealthServer implements AutoCloseable {
    private final Path socket;
    private final TtrpcServer server;
    private final Thread acceptor;

    private HealthServer(Path socket, TtrpcServer server, Thread acceptor) {
        this.socket = socket;
        this.server = server;
        this.acceptor = acceptor;
    }

    /** Binds {@code socket} and serves on a daemon thread. */
    public static HealthServer start(Path socket) throws IOException {
        TtrpcServer server = TtrpcServer.of(ServiceDefinition.builder("grpc.Health")
                .method("Check", CheckRequest.parser(), (request, context) -> HealthCheckResponse.newBuilder()
                        .setStatus(HealthCheckResponse.ServingStatus.SERVING).build())
                .build());
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread acceptor = Thread.ofPlatform().daemon().name("bench-acceptor").start(() -> {
            try {
                server.listen(listener);
            } catch (IOException e) {
                // closed: the benchmark is over
            }
        });
        return new HealthServer(socket, server, acceptor);
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join();
        Files.deleteIfExists(socket);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: HealthServer SOCKET");
            System.exit(2);
        }
        HealthServer server = start(Path.of(args[0]));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                // exiting anyway
            }
        }));
        System.out.println("READY");
        System.out.flush();
        Thread.currentThread().join();
    }
}
