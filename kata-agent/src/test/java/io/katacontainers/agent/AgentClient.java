package io.katacontainers.agent;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.katacontainers.agent.proto.CloseStdinRequest;
import io.katacontainers.agent.proto.CreateContainerRequest;
import io.katacontainers.agent.proto.CreateSandboxRequest;
import io.katacontainers.agent.proto.DestroySandboxRequest;
import io.katacontainers.agent.proto.ExecProcessRequest;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.PauseContainerRequest;
import io.katacontainers.agent.proto.ReadStreamRequest;
import io.katacontainers.agent.proto.ResumeContainerRequest;
import io.katacontainers.agent.proto.ReadStreamResponse;
import io.katacontainers.agent.proto.RemoveContainerRequest;
import io.katacontainers.agent.proto.SignalProcessRequest;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.agent.proto.StartContainerRequest;
import io.katacontainers.agent.proto.Storage;
import io.katacontainers.agent.proto.TtyWinResizeRequest;
import io.katacontainers.agent.proto.WaitProcessRequest;
import io.katacontainers.agent.proto.WaitProcessResponse;
import io.katacontainers.agent.proto.WriteStreamRequest;
import io.katacontainers.agent.proto.WriteStreamResponse;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Typed calls of grpc.AgentService, as a shim would make them. */
final class AgentClient {
    static final String SERVICE = "grpc.AgentService";
    private static final CallOptions TIMEOUT = CallOptions.ofTimeout(Duration.ofSeconds(90));

    private final TtrpcClient client;

    AgentClient(TtrpcClient client) {
        this.client = client;
    }

    <R> R call(String method, MessageLite request, Parser<R> parser) throws StatusException {
        return client.call(SERVICE, method, request, parser, TIMEOUT);
    }

    void createSandbox(CreateSandboxRequest request) throws StatusException {
        call("CreateSandbox", request, Empty.parser());
    }

    void destroySandbox() throws StatusException {
        call("DestroySandbox", DestroySandboxRequest.getDefaultInstance(), Empty.parser());
    }

    void createContainer(String id, Spec spec, List<Storage> storages) throws StatusException {
        createContainer(id, "", spec, storages);
    }

    void createContainer(String id, String initExecId, Spec spec, List<Storage> storages) throws StatusException {
        call("CreateContainer", CreateContainerRequest.newBuilder().setContainerId(id).setExecId(initExecId)
                .setOCI(spec).addAllStorages(storages).build(), Empty.parser());
    }

    void pause(String id) throws StatusException {
        call("PauseContainer", PauseContainerRequest.newBuilder().setContainerId(id).build(), Empty.parser());
    }

    void resume(String id) throws StatusException {
        call("ResumeContainer", ResumeContainerRequest.newBuilder().setContainerId(id).build(), Empty.parser());
    }

    void startContainer(String id) throws StatusException {
        call("StartContainer", StartContainerRequest.newBuilder().setContainerId(id).build(), Empty.parser());
    }

    /** Creates and starts. */
    void run(String id, Spec spec) throws StatusException {
        createContainer(id, spec, List.of());
        startContainer(id);
    }

    void exec(String id, String execId, Process process) throws StatusException {
        call("ExecProcess", ExecProcessRequest.newBuilder().setContainerId(id).setExecId(execId)
                .setProcess(process).build(), Empty.parser());
    }

    void signal(String id, String execId, int signal) throws StatusException {
        call("SignalProcess", SignalProcessRequest.newBuilder().setContainerId(id).setExecId(execId)
                .setSignal(signal).build(), Empty.parser());
    }

    int await(String id, String execId) throws StatusException {
        return call("WaitProcess", WaitProcessRequest.newBuilder().setContainerId(id).setExecId(execId).build(),
                WaitProcessResponse.parser()).getStatus();
    }

    void remove(String id) throws StatusException {
        call("RemoveContainer", RemoveContainerRequest.newBuilder().setContainerId(id).setTimeout(30).build(),
                Empty.parser());
    }

    byte[] read(String id, String execId, boolean stdout, int length) throws StatusException {
        return call(stdout ? "ReadStdout" : "ReadStderr", ReadStreamRequest.newBuilder().setContainerId(id)
                .setExecId(execId).setLen(length).build(), ReadStreamResponse.parser()).getData().toByteArray();
    }

    /** Reads until the agent answers empty data, its end of stream. */
    byte[] readAll(String id, String execId, boolean stdout) throws StatusException {
        var all = new ByteArrayOutputStream();
        byte[] chunk;
        while ((chunk = read(id, execId, stdout, 1024 * 1024)).length > 0) {
            all.writeBytes(chunk);
        }
        return all.toByteArray();
    }

    String stdout(String id, String execId) throws StatusException {
        return new String(readAll(id, execId, true), StandardCharsets.UTF_8);
    }

    String stderr(String id, String execId) throws StatusException {
        return new String(readAll(id, execId, false), StandardCharsets.UTF_8);
    }

    int write(String id, String execId, byte[] data) throws StatusException {
        return call("WriteStdin", WriteStreamRequest.newBuilder().setContainerId(id).setExecId(execId)
                .setData(ByteString.copyFrom(data)).build(), WriteStreamResponse.parser()).getLen();
    }

    void closeStdin(String id, String execId) throws StatusException {
        call("CloseStdin", CloseStdinRequest.newBuilder().setContainerId(id).setExecId(execId).build(),
                Empty.parser());
    }

    void resize(String id, String execId, int rows, int columns) throws StatusException {
        call("TtyWinResize", TtyWinResizeRequest.newBuilder().setContainerId(id).setExecId(execId).setRow(rows)
                .setColumn(columns).build(), Empty.parser());
    }
}
