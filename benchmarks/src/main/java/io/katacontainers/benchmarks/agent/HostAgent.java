package io.katacontainers.benchmarks.agent;

import io.katacontainers.benchmarks.support.BuiltTree;
import io.katacontainers.ttrpc.TtrpcClient;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The agent in host mode, in its own JVM as the guest runs it (the module path {@link BuiltTree#AGENT_MODULES},
 * a serial collector and C1 only, as a small guest would), listening on a unix socket, with runc as its OCI
 * runtime, a private state directory and cgroup parent {@value #CGROUP_PARENT}. Ready once it logs
 * {@value #READY}; its log (stderr) is drained all along, its last lines kept for failure messages.
 */
final class HostAgent implements AutoCloseable {
    static final String READY = "agent ready";
    private static final String CGROUP_PARENT = "kata-agent-bench";
    /** After the project's JVM options (packaging/jvm/base.args): a heap for the benchmark's load. */
    private static final List<String> JVM_FLAGS = List.of("-Xmx64m");
    private static final long START_SECONDS = 60;
    private static final long STOP_SECONDS = 30;
    private static final int LOG_TAIL = 30;

    private final Process process;
    private final Path stateDir;
    private final Deque<String> log;
    private final TtrpcClient client;

    private HostAgent(Process process, Path stateDir, Deque<String> log, TtrpcClient client) {
        this.process = process;
        this.stateDir = stateDir;
        this.log = log;
        this.client = client;
    }

    static HostAgent start(Path dir, Path runc) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path socket = dir.resolve("agent.sock");
        Path stateDir = dir.resolve("state");
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.add("@" + BuiltTree.JVM_OPTIONS.require().resolve("base.args"));
        argv.addAll(JVM_FLAGS);
        argv.addAll(List.of("-p", BuiltTree.AGENT_MODULES.require().toString(),
                "-m", "io.katacontainers.agent/io.katacontainers.agent.Main", "--listen", "unix:" + socket,
                "--runtime", runc.toString(), "--state-dir", stateDir.toString(),
                "--cgroup-parent", "/" + CGROUP_PARENT, "--runtime-timeout", "60"));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Deque<String> log = new ArrayDeque<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("agent-log").start(() -> drain(process, log, ready));
        try {
            ready.get(START_SECONDS, TimeUnit.SECONDS);
            return new HostAgent(process, stateDir, log, TtrpcClient.connect(socket));
        } catch (TimeoutException | ExecutionException | IOException e) {
            process.destroyForcibly().waitFor();
            throw new IOException("the agent did not get ready in " + START_SECONDS + " s; " + argv + "\nlog:\n"
                    + tail(log), e);
        }
    }

    private static void drain(Process process, Deque<String> log, CompletableFuture<Void> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (log) {
                    log.addLast(line);
                    if (log.size() > LOG_TAIL) {
                        log.removeFirst();
                    }
                }
                if (line.contains(READY)) {
                    ready.complete(null);
                }
            }
            ready.completeExceptionally(new IOException("the agent's log ended"));
        } catch (IOException e) {
            ready.completeExceptionally(e);
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Deque<String> log) {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    TtrpcClient client() {
        return client;
    }

    Path stateDir() {
        return stateDir;
    }

    /** Waits for the agent to stop (after DestroySandbox), else kills it; removes the empty cgroup parents. */
    @Override
    public void close() throws Exception {
        client.close();
        if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IOException("the agent did not stop in " + STOP_SECONDS + " s; log:\n" + tail(log));
        }
        // runc removes each container's cgroup, not the parent (one per hierarchy on a cgroup v1 host).
        try (var parents = Files.find(Path.of("/sys/fs/cgroup"), 2,
                (path, attributes) -> attributes.isDirectory() && path.endsWith(CGROUP_PARENT))) {
            for (Path parent : parents.toList()) {
                try {
                    Files.delete(parent);
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException("cgroup " + parent + " still holds a container", e);
                }
            }
        }
    }
}
