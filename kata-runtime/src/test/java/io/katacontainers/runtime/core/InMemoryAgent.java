package io.katacontainers.runtime.core;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.CloseStdinRequest;
import io.katacontainers.agent.proto.CreateContainerRequest;
import io.katacontainers.agent.proto.CreateSandboxRequest;
import io.katacontainers.agent.proto.DestroySandboxRequest;
import io.katacontainers.agent.proto.ExecProcessRequest;
import io.katacontainers.agent.proto.GetOOMEventRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.agent.proto.OOMEvent;
import io.katacontainers.agent.proto.PauseContainerRequest;
import io.katacontainers.agent.proto.ReadStreamRequest;
import io.katacontainers.agent.proto.ReadStreamResponse;
import io.katacontainers.agent.proto.RemoveContainerRequest;
import io.katacontainers.agent.proto.ResumeContainerRequest;
import io.katacontainers.agent.proto.SignalProcessRequest;
import io.katacontainers.agent.proto.StartContainerRequest;
import io.katacontainers.agent.proto.StatsContainerRequest;
import io.katacontainers.agent.proto.StatsContainerResponse;
import io.katacontainers.agent.proto.TtyWinResizeRequest;
import io.katacontainers.agent.proto.UpdateContainerRequest;
import io.katacontainers.agent.proto.WaitProcessRequest;
import io.katacontainers.agent.proto.WaitProcessResponse;
import io.katacontainers.agent.proto.WriteStreamRequest;
import io.katacontainers.agent.proto.WriteStreamResponse;
import io.katacontainers.runtime.agent.FakeAgent;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An agent for the unit tier: the agent's ttrpc API on a unix socket, with processes that live in memory. A
 * process's args say what it does: {@code echo WORDS...} prints them and exits 0, {@code exit N} exits N,
 * {@code cat} copies stdin to stdout until CloseStdin, {@code refuse} cannot be started
 * (FAILED_PRECONDITION), anything else runs until a signal ends it (128+N). Every
 * control call is recorded ({@link #calls()}) as {@code Method container/exec}.
 */
public final class InMemoryAgent implements AutoCloseable {
    private final TtrpcServer server;
    private final Thread acceptor;
    private final Map<String, Proc> processes = new ConcurrentHashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<CreateSandboxRequest> sandboxRequests = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<String> oomKills = new LinkedBlockingQueue<>();

    private static final class Proc {
        final String containerId;
        final List<String> args;
        final LinkedBlockingQueue<Optional<byte[]>> stdout = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Optional<byte[]>> stderr = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> exit = new CompletableFuture<>();

        Proc(String containerId, List<String> args) {
            this.containerId = containerId;
            this.args = args;
        }

        void start() {
            switch (args.getFirst()) {
                case "echo" -> {
                    stdout.add(Optional.of((String.join(" ", args.subList(1, args.size())) + "\n")
                            .getBytes(StandardCharsets.UTF_8)));
                    finish(0);
                }
                case "exit" -> finish(Integer.parseInt(args.get(1)));
                default -> {
                    // runs until a signal (or, for cat, the end of its stdin)
                }
            }
        }

        void finish(int status) {
            if (exit.complete(status)) {
                stdout.add(Optional.empty());
                stderr.add(Optional.empty());
            }
        }
    }

    private InMemoryAgent(TtrpcServer server, Thread acceptor) {
        this.server = server;
        this.acceptor = acceptor;
    }

    /** Serves the agent's API (and its health check) on {@code socket}. */
    public static InMemoryAgent serve(Path socket) throws IOException {
        InMemoryAgent[] self = new InMemoryAgent[1];
        TtrpcServer server = TtrpcServer.of(
                ServiceDefinition.builder("grpc.Health")
                        .method("Check", CheckRequest.parser(), (request, context) ->
                                HealthCheckResponse.getDefaultInstance()).build(),
                agentService(self));
        self[0] = new InMemoryAgent(server, FakeAgent.listen(server, socket));
        return self[0];
    }

    private static ServiceDefinition agentService(InMemoryAgent[] self) {
        return ServiceDefinition.builder("grpc.AgentService")
                .method("CreateSandbox", CreateSandboxRequest.parser(), (r, c) -> {
                    self[0].sandboxRequests.add(r);
                    return self[0].record("CreateSandbox", r.getSandboxId(), "");
                })
                .method("DestroySandbox", DestroySandboxRequest.parser(), (r, c) -> self[0].record("DestroySandbox",
                        "", ""))
                .method("CreateContainer", CreateContainerRequest.parser(), (r, c) -> {
                    self[0].processes.put(r.getContainerId() + "/", new Proc(r.getContainerId(),
                            r.getOCI().getProcess().getArgsList()));
                    return self[0].record("CreateContainer", r.getContainerId(), r.getExecId());
                })
                .method("StartContainer", StartContainerRequest.parser(), (r, c) -> {
                    Proc init = self[0].process(r.getContainerId(), "");
                    if (init.args.getFirst().equals("refuse")) {
                        throw new StatusException(Code.FAILED_PRECONDITION, "the agent refuses to start it");
                    }
                    init.start();
                    return self[0].record("StartContainer", r.getContainerId(), "");
                })
                .method("ExecProcess", ExecProcessRequest.parser(), (r, c) -> {
                    Proc exec = new Proc(r.getContainerId(), r.getProcess().getArgsList());
                    self[0].processes.put(r.getContainerId() + "/" + r.getExecId(), exec);
                    exec.start();
                    return self[0].record("ExecProcess", r.getContainerId(), r.getExecId());
                })
                .method("SignalProcess", SignalProcessRequest.parser(), (r, c) -> {
                    if (r.getExecId().isEmpty()) {
                        self[0].processes.values().stream().filter(p -> p.containerId.equals(r.getContainerId()))
                                .forEach(p -> p.finish(128 + r.getSignal()));
                    } else {
                        self[0].process(r.getContainerId(), r.getExecId()).finish(128 + r.getSignal());
                    }
                    return self[0].record("SignalProcess " + r.getSignal(), r.getContainerId(), r.getExecId());
                })
                .method("WaitProcess", WaitProcessRequest.parser(), (r, c) -> WaitProcessResponse.newBuilder()
                        .setStatus(self[0].process(r.getContainerId(), r.getExecId()).exit.get()).build())
                .method("ReadStdout", ReadStreamRequest.parser(), (r, c) ->
                        read(self[0].process(r.getContainerId(), r.getExecId()).stdout))
                .method("ReadStderr", ReadStreamRequest.parser(), (r, c) ->
                        read(self[0].process(r.getContainerId(), r.getExecId()).stderr))
                .method("WriteStdin", WriteStreamRequest.parser(), (r, c) -> {
                    Proc process = self[0].process(r.getContainerId(), r.getExecId());
                    if (process.args.getFirst().equals("cat")) {
                        process.stdout.add(Optional.of(r.getData().toByteArray()));
                    }
                    return WriteStreamResponse.newBuilder().setLen(r.getData().size()).build();
                })
                .method("CloseStdin", CloseStdinRequest.parser(), (r, c) -> {
                    Proc process = self[0].process(r.getContainerId(), r.getExecId());
                    if (process.args.getFirst().equals("cat")) {
                        process.finish(0);
                    }
                    return self[0].record("CloseStdin", r.getContainerId(), r.getExecId());
                })
                .method("PauseContainer", PauseContainerRequest.parser(), (r, c) -> self[0].record(
                        "PauseContainer", r.getContainerId(), ""))
                .method("ResumeContainer", ResumeContainerRequest.parser(), (r, c) -> self[0].record(
                        "ResumeContainer", r.getContainerId(), ""))
                .method("RemoveContainer", RemoveContainerRequest.parser(), (r, c) -> {
                    self[0].processes.keySet().removeIf(key -> key.startsWith(r.getContainerId() + "/"));
                    return self[0].record("RemoveContainer", r.getContainerId(), "");
                })
                .method("TtyWinResize", TtyWinResizeRequest.parser(), (r, c) -> self[0].record(
                        "TtyWinResize " + r.getRow() + "x" + r.getColumn(), r.getContainerId(), r.getExecId()))
                .method("UpdateContainer", UpdateContainerRequest.parser(), (r, c) -> self[0].record(
                        "UpdateContainer", r.getContainerId(), ""))
                .method("StatsContainer", StatsContainerRequest.parser(), (r, c) -> {
                    self[0].process(r.getContainerId(), "");
                    return StatsContainerResponse.getDefaultInstance();
                })
                .method("GetOOMEvent", GetOOMEventRequest.parser(), (r, c) -> OOMEvent.newBuilder()
                        .setContainerId(self[0].oomKills.take()).build())
                .build();
    }

    private static ReadStreamResponse read(LinkedBlockingQueue<Optional<byte[]>> stream)
            throws InterruptedException {
        Optional<byte[]> chunk = stream.take();
        if (chunk.isEmpty()) {
            stream.add(chunk); // end of stream, for every later read too
            return ReadStreamResponse.getDefaultInstance();
        }
        return ReadStreamResponse.newBuilder().setData(ByteString.copyFrom(chunk.get())).build();
    }

    /** The init process answers to the empty exec id and to its container's id, as the real agent's. */
    private Proc process(String containerId, String execId) throws StatusException {
        Proc process = processes.get(containerId + "/" + (execId.equals(containerId) ? "" : execId));
        if (process == null) {
            throw new StatusException(Code.NOT_FOUND, "no process " + containerId + "/" + execId);
        }
        return process;
    }

    private Empty record(String method, String containerId, String execId) {
        calls.add(method + " " + containerId + "/" + execId);
        return Empty.getDefaultInstance();
    }

    /** The CreateSandbox requests received so far, in order. */
    public List<CreateSandboxRequest> sandboxRequests() {
        return List.copyOf(sandboxRequests);
    }

    /** The control calls made so far, in order. */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    /** Ends a running process as if it had exited by itself. */
    public void exit(String containerId, String execId, int status) throws StatusException {
        process(containerId, execId).finish(status);
    }

    /** Reports an OOM kill in a container (GetOOMEvent answers it). */
    public void oomKill(String containerId) {
        oomKills.add(containerId);
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
        acceptor.join();
    }
}
