package io.katacontainers.benchmarks.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.katacontainers.agent.proto.CreateContainerRequest;
import io.katacontainers.agent.proto.DestroySandboxRequest;
import io.katacontainers.agent.proto.RemoveContainerRequest;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.agent.proto.StartContainerRequest;
import io.katacontainers.agent.proto.WaitProcessRequest;
import io.katacontainers.agent.proto.WaitProcessResponse;
import io.katacontainers.benchmarks.support.Commands;
import io.katacontainers.benchmarks.support.TempDirs;
import io.katacontainers.oci.OciSpecJson;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.TtrpcClient;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The agent's container path in host mode, as the shim drives it: CreateContainer (the spec to a bundle, runc
 * create, the process's pipes), StartContainer, WaitProcess and RemoveContainer of a busybox container whose
 * process exits with {@value #EXIT_CODE}, over ttrpc on a unix socket to the agent in its own JVM
 * ({@link HostAgent}: the guest's module path, runc as the OCI runtime). The peer is {@code runc run} of the
 * same bundle (the config.json of {@code runc spec}, the same rootfs), which creates, starts, waits for and
 * deletes the container in one command. ours / peer is the cost of the agent's path (ttrpc, the spec's
 * conversion, one runc call per step, its reaper and I/O) over runc's own work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(3)
public class AgentContainerBenchmark {
    /** What the container's process exits with, checked on both sides. */
    public static final int EXIT_CODE = 3;
    /** The agent's containers are this and a sequence number. */
    public static final String AGENT_CONTAINER = "agent-bench-";
    private static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final List<String> ARGS = List.of("/bin/busybox", "sh", "-c", "exit " + EXIT_CODE);
    private static final CallOptions TIMEOUT = CallOptions.ofTimeout(Duration.ofSeconds(60));

    private Path dir;
    private Path bundle;
    private Spec spec;
    private HostAgent agent;
    private TtrpcClient client;
    private int sequence;

    @Setup(Level.Trial)
    public void start() throws Exception {
        for (Path tool : List.of(RUNC, BUSYBOX)) {
            if (!Files.isExecutable(tool)) {
                throw new IllegalStateException("no " + tool + ": apt-get install runc busybox-static");
            }
        }
        dir = TempDirs.create("agent-bench");
        bundle = Files.createDirectories(dir.resolve("bundle"));
        Path rootfs = bundle.resolve("rootfs");
        for (String empty : List.of("bin", "proc", "sys", "dev", "tmp")) {
            Files.createDirectories(rootfs.resolve(empty));
        }
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        spec = writeBundle(rootfs);
        agent = HostAgent.start(dir.resolve("agent"), RUNC);
        client = agent.client();
    }

    /** runc's default spec with our process, no terminal and the rootfs by absolute path; the same for the agent. */
    private Spec writeBundle(Path rootfs) throws Exception {
        Commands.run(List.of(RUNC.toString(), "spec", "--bundle", bundle.toString()), 0);
        ObjectMapper json = new ObjectMapper();
        Path config = bundle.resolve("config.json");
        ObjectNode tree = (ObjectNode) json.readTree(config.toFile());
        ObjectNode process = (ObjectNode) tree.get("process");
        process.put("terminal", false);
        process.putArray("args").addAll(ARGS.stream().map(json.getNodeFactory()::textNode).toList());
        ((ObjectNode) tree.get("root")).put("path", rootfs.toString());
        json.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), tree);
        List<String> unknown = new ArrayList<>();
        Spec parsed = OciSpecJson.fromJson(tree, unknown::add);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("runc's spec has keys the agent's Spec drops: " + unknown);
        }
        return parsed;
    }

    /** CreateContainer, StartContainer, WaitProcess, RemoveContainer; returns the process's exit code. */
    @Benchmark
    public int agentRun() throws Exception {
        String id = AGENT_CONTAINER + ++sequence;
        call("CreateContainer", CreateContainerRequest.newBuilder().setContainerId(id).setOCI(spec).build(),
                Empty.parser());
        call("StartContainer", StartContainerRequest.newBuilder().setContainerId(id).build(), Empty.parser());
        int status = call("WaitProcess", WaitProcessRequest.newBuilder().setContainerId(id).build(),
                WaitProcessResponse.parser()).getStatus();
        call("RemoveContainer", RemoveContainerRequest.newBuilder().setContainerId(id).setTimeout(30).build(),
                Empty.parser());
        return expectExit(status, "the agent's container");
    }

    /** The peer: {@code runc run} of the same bundle; returns the process's exit code. */
    @Benchmark
    public int runcRun() throws Exception {
        String id = "runc-bench-" + ++sequence;
        return Commands.run(List.of(RUNC.toString(), "--root", dir.resolve("runc").toString(), "run", "--bundle",
                bundle.toString(), id), EXIT_CODE);
    }

    private <R> R call(String method, MessageLite request, Parser<R> parser) throws Exception {
        return client.call("grpc.AgentService", method, request, parser, TIMEOUT);
    }

    private static int expectExit(int status, String who) {
        if (status != EXIT_CODE) {
            throw new IllegalStateException(who + " exited with " + status + ", not " + EXIT_CODE);
        }
        return status;
    }

    /** The agent's state directory, where it keeps each container's bundle while it exists. */
    public Path agentStateDir() {
        return agent.stateDir();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        try (HostAgent a = agent) {
            if (a != null) {
                call("DestroySandbox", DestroySandboxRequest.getDefaultInstance(), Empty.parser());
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
