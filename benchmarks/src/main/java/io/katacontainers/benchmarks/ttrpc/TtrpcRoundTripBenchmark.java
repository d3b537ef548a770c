package io.katacontainers.benchmarks.ttrpc;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.TtrpcClient;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One unary ttrpc call (grpc.Health/Check, the agent's liveness probe) over a unix socket from the Java client, to
 * a Java server in the same JVM ({@code server=java}) or to containerd's Go ttrpc server ({@code server=go}, the
 * program benchmarks/go/src/ttrpcbench, path in the environment variable {@value #GO_SERVER_ENV}; run by
 * benchmarks/scripts/ttrpc-rtt.sh). Sample mode gives the median and p99.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TtrpcRoundTripBenchmark {
    /** Environment variable naming the built ttrpcbench Go program; needed for {@code server=go}. */
    public static final String GO_SERVER_ENV = "TTRPC_BENCH_GO";
    private static final CheckRequest REQUEST = CheckRequest.newBuilder().setService("agent").build();

    /** Which server answers: {@code java} (ours, in this JVM) or {@code go} (containerd's ttrpc, own process). */
    @Param({"java", "go"})
    public String server;

    private Path dir;
    private HealthServer javaServer;
    private Process goServer;
    private TtrpcClient client;

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory("ttrpc-bench");
        Path socket = dir.resolve("server.sock");
        switch (server) {
            case "java" -> javaServer = HealthServer.start(socket);
            case "go" -> goServer = startGoServer(socket);
            default -> throw new IllegalArgumentException("server must be java or go, not " + server);
        }
        client = TtrpcClient.connect(socket);
    }

    private static Process startGoServer(Path socket) throws IOException {
        String binary = System.getenv(GO_SERVER_ENV);
        if (binary == null || !Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("server=go needs " + GO_SERVER_ENV
                    + " = the built benchmarks/go ttrpcbench program (benchmarks/scripts/ttrpc-rtt.sh sets it)");
        }
        Process process = new ProcessBuilder(binary, "server", socket.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"READY".equals(line)) {
            process.destroyForcibly();
            throw new IllegalStateException("Go ttrpc server did not start: " + line);
        }
        return process;
    }

    @Benchmark
    public HealthCheckResponse healthCheck() throws Exception {
        return client.call("grpc.Health", "Check", REQUEST, HealthCheckResponse.parser(), CallOptions.DEFAULT);
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        client.close();
        if (javaServer != null) {
            javaServer.close();
        }
        if (goServer != null) {
            goServer.destroy();
            if (!goServer.waitFor(5, TimeUnit.SECONDS)) {
                goServer.destroyForcibly().waitFor();
            }
        }
        Files.deleteIfExists(dir.resolve("server.sock"));
        Files.deleteIfExists(dir);
    }
}
