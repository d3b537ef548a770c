package io.katacontainers.agent;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The agent started as it would be for host tests: its own JVM ({@code java -m io.katacontainers.agent/...}),
 * runc as the runtime, a unix socket, a private state directory. Its output goes to a log file the tests print
 * when something fails.
 */
final class AgentProcess implements AutoCloseable {
    static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final String CGROUP_PARENT = "kata-agent-test";
    /** The JVM options the guest runs the agent with, from their one source (packaging/jvm, java @-files). */
    static final List<String> LEAN_JVM = jvmOptions("base.args", "guest.args");

    private final Process process;
    private final Path socket;
    private final Path state;
    private final Path log;
    private final TtrpcClient client;

    private AgentProcess(Process process, Path socket, Path state, Path log, TtrpcClient client) {
        this.process = process;
        this.socket = socket;
        this.state = state;
        this.log = log;
        this.client = client;
    }

    static AgentProcess start(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(RUNC)) {
            throw new IllegalStateException("the end-to-end tests need runc: apt-get install runc");
        }
        Path socket = dir.resolve("agent.sock");
        Path state = dir.resolve("state");
        Path log = dir.resolve("agent.log");
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("kata.agent.java", Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(LEAN_JVM);
        // For measurements: e.g. -Dkata.agent.jvmFlags="-XX:NativeMemoryTracking=summary".
        String extra = System.getProperty("kata.agent.jvmFlags", "").strip();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-p", System.getProperty("jdk.module.path"),
                "-m", "io.katacontainers.agent/io.katacontainers.agent.Main",
                "--listen", "unix:" + socket, "--runtime", RUNC.toString(), "--state-dir", state.toString(),
                "--cgroup-parent", "/" + CGROUP_PARENT, "--runtime-timeout", "60"));
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // glibc gives each thread that mallocs an arena of its own; two are plenty for the agent.
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        Process process = builder.start();
        TtrpcClient client = connect(process, socket, log);
        return new AgentProcess(process, socket, state, log, client);
    }

    /** The argument files {@code names} of packaging/jvm (system property kata.jvm.options), as @-arguments. */
    static List<String> jvmOptions(String... names) {
        Path dir = Path.of(System.getProperty("kata.jvm.options", "../packaging/jvm"));
        List<String> files = new ArrayList<>();
        for (String name : names) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                throw new IllegalStateException("no JVM options file " + dir.resolve(name).toAbsolutePath());
            }
            files.add("@" + dir.resolve(name).toAbsolutePath());
        }
        return List.copyOf(files);
    }

    TtrpcClient client() {
        return client;
    }

    AgentClient agent() {
        return new AgentClient(client);
    }

    long pid() {
        return process.pid();
    }

    Path stateDir() {
        return state;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The agent's exit code, waiting up to {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the agent did not exit within " + timeout + "\n" + log());
        }
        return process.exitValue();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no agent log: " + e + ")";
        }
    }

    /** Destroys the sandbox (so containers and mounts go away) and waits for the agent to stop. */
    @Override
    public void close() throws Exception {
        try {
            if (process.isAlive()) {
                agent().destroySandbox();
                awaitExit(Duration.ofSeconds(30));
            }
        } finally {
            client.close();
            if (process.isAlive()) {
                process.destroyForcibly().waitFor();
            }
            removeCgroupParents();
            // Warnings of the agent show up in the test output, where CI keeps them.
            log().lines().filter(line -> line.contains(" WARNING ") || line.contains(" ERROR "))
                    .forEach(line -> System.out.println("agent log: " + line));
        }
    }

    /** runc removes each container's cgroup but not the parent the tests named: remove it once it is empty. */
    private static void removeCgroupParents() throws IOException {
        try (var hierarchies = Files.find(Path.of("/sys/fs/cgroup"), 2,
                (path, attributes) -> attributes.isDirectory()
                        && path.getFileName().toString().equals(CGROUP_PARENT))) {
            for (Path parent : hierarchies.toList()) {
                try {
                    Files.delete(parent);
                } catch (DirectoryNotEmptyException e) {
                    System.out.println("cgroup " + parent + " still in use, left in place");
                }
            }
        }
    }

    private static TtrpcClient connect(Process process, Path socket, Path log) throws IOException,
            InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the agent exited with " + process.exitValue() + ":\n"
                        + Files.readString(log));
            }
            TtrpcClient client = Files.exists(socket) ? tryConnect(socket) : null;
            if (client != null) {
                try {
                    var health = client.call("grpc.Health", "Check", CheckRequest.getDefaultInstance(),
                            HealthCheckResponse.parser(), CallOptions.ofTimeout(Duration.ofSeconds(5)));
                    if (health.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                        return client;
                    }
                } catch (StatusException e) {
                    client.close();
                }
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the agent did not answer within 30 s:\n" + Files.readString(log));
    }

    /** A client of the agent's socket, or null while the agent does not listen yet. */
    private static TtrpcClient tryConnect(Path socket) throws IOException {
        try {
            return TtrpcClient.connect(socket);
        } catch (ConnectException e) {
            // bind(2) creates the socket file before listen(2) runs: connections are refused in between.
            return null;
        }
    }
}
