package io.katacontainers.benchmarks.ttrpc;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.TtrpcClient;
import io.katacontainers.ttrpc.TtrpcServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One unary ttrpc call (grpc.Health/Check, the agent's liveness probe) over a unix socket, Java client to Java
 * server. Sample mode gives the median and p99 the issue asks for.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TtrpcRoundTripBenchmark {
    private static final CheckRequest REQUEST = CheckRequest.newBuilder().setService("agent").build();

    private Path dir;
    private TtrpcServer server;
    private Thread acceptor;
    private TtrpcClient client;

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = Files.createTempDirectory("ttrpc-bench");
        Path socket = dir.resolve("server.sock");
        server = TtrpcServer.of(ServiceDefinition.builder("grpc.Health")
                .method("Check", CheckRequest.parser(), (request, context) -> HealthCheckResponse.newBuilder()
                        .setStatus(HealthCheckResponse.ServingStatus.SERVING).build())
                .build());
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        acceptor = Thread.ofPlatform().daemon().name("bench-acceptor").start(() -> {
            try {
                server.listen(listener);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        client = TtrpcClient.connect(socket);
    }

    @Benchmark
    public HealthCheckResponse healthCheck() throws Exception {
        return client.call("grpc.Health", "Check", REQUEST, HealthCheckResponse.parser(), CallOptions.DEFAULT);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        client.close();
        server.close();
        acceptor.join();
        Files.deleteIfExists(dir.resolve("server.sock"));
        Files.deleteIfExists(dir);
    }
}
