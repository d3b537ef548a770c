package io.katacontainers.runtime.agent;

import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.katacontainers.agent.proto.CloseStdinRequest;
import io.katacontainers.agent.proto.CreateContainerRequest;
import io.katacontainers.agent.proto.CreateSandboxRequest;
import io.katacontainers.agent.proto.DestroySandboxRequest;
import io.katacontainers.agent.proto.ExecProcessRequest;
import io.katacontainers.agent.proto.GetMetricsRequest;
import io.katacontainers.agent.proto.GetOOMEventRequest;
import io.katacontainers.agent.proto.LinuxResources;
import io.katacontainers.agent.proto.Metrics;
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
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;

import java.time.Duration;
import java.util.Optional;

/**
 * The agent API as the runtime uses it. Control calls carry a timeout; the calls that block in the guest until
 * something happens (WaitProcess, ReadStdout/ReadStderr, GetOOMEvent) carry none, as in Kata.
 */
public final class AgentClient implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AgentClient.class.getName());
    static final String AGENT = "grpc.AgentService";
    static final String HEALTH = "grpc.Health";
    private static final CallOptions CONTROL = CallOptions.ofTimeout(Duration.ofSeconds(60));

    private final TtrpcClient ttrpc;

    AgentClient(TtrpcClient ttrpc) {
        this.ttrpc = ttrpc;
    }

    /**
     * Connects to a ttrpc server that serves the agent API on a unix socket: the control socket of a sandbox
     * holder ({@code kata-runtime create}), which forwards the calls to the agent in the VM.
     */
    public static AgentClient connect(java.nio.file.Path socket) throws java.io.IOException {
        return new AgentClient(TtrpcClient.connect(socket));
    }

    /** Forwards one call byte for byte (any service the agent serves); the caller decodes the answer. */
    public byte[] forward(String service, String method, byte[] payload, CallOptions options)
            throws StatusException {
        return ttrpc.call(service, method, payload, options);
    }

    /** Calls a method of another service on the same connection (the holder's own service). */
    public void callEmpty(String service, String method, Duration timeout) throws AgentException {
        try {
            ttrpc.call(service, method, Empty.getDefaultInstance(), Empty.parser(), CallOptions.ofTimeout(timeout));
        } catch (StatusException e) {
            throw new AgentException(service + "/" + method + " failed: " + e.getMessage(), e);
        }
    }

    public void createSandbox(CreateSandboxRequest request) throws AgentException {
        control("CreateSandbox", request);
    }

    /** Kata's SetGuestDateTime: the guest's wall clock to {@code now} (a VM restored from a template is behind). */
    public void setGuestDateTime(java.time.Instant now) throws AgentException {
        control("SetGuestDateTime", io.katacontainers.agent.proto.SetGuestDateTimeRequest.newBuilder()
                .setSec(now.getEpochSecond()).setUsec(now.getNano() / 1000).build());
    }

    /** Kata's ReseedRandomDev: host random bytes into the guest's entropy pool, its CRNG reseeded. */
    public void reseedRandomDev(byte[] data) throws AgentException {
        control("ReseedRandomDev", io.katacontainers.agent.proto.ReseedRandomDevRequest.newBuilder()
                .setData(com.google.protobuf.ByteString.copyFrom(data)).build());
    }

    public void destroySandbox() throws AgentException {
        control("DestroySandbox", DestroySandboxRequest.getDefaultInstance());
    }

    public void createContainer(CreateContainerRequest request) throws AgentException {
        control("CreateContainer", request);
    }

    public void startContainer(String containerId) throws AgentException {
        control("StartContainer", StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    public void removeContainer(String containerId) throws AgentException {
        control("RemoveContainer", RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    public void execProcess(ExecProcessRequest request) throws AgentException {
        control("ExecProcess", request);
    }

    public void signalProcess(String containerId, String execId, int signal) throws AgentException {
        control("SignalProcess", SignalProcessRequest.newBuilder().setContainerId(containerId).setExecId(execId)
                .setSignal(signal).build());
    }

    /** Blocks until the process exits and returns its exit status as the agent reports it. */
    public int waitProcess(String containerId, String execId) throws AgentException {
        return call("WaitProcess", WaitProcessRequest.newBuilder().setContainerId(containerId).setExecId(execId)
                .build(), WaitProcessResponse.parser(), CallOptions.DEFAULT).getStatus();
    }

    /** Blocks until output is available; empty at end of stream. */
    public Optional<byte[]> readStdout(String containerId, String execId, int max) throws AgentException {
        return read("ReadStdout", containerId, execId, max);
    }

    /** Blocks until output is available; empty at end of stream. */
    public Optional<byte[]> readStderr(String containerId, String execId, int max) throws AgentException {
        return read("ReadStderr", containerId, execId, max);
    }

    /** Writes all of {@code data}, in as many calls as the agent needs. */
    public void writeStdin(String containerId, String execId, byte[] data) throws AgentException {
        int offset = 0;
        while (offset < data.length) {
            WriteStreamResponse written = call("WriteStdin", WriteStreamRequest.newBuilder()
                    .setContainerId(containerId).setExecId(execId)
                    .setData(com.google.protobuf.ByteString.copyFrom(data, offset, data.length - offset)).build(),
                    WriteStreamResponse.parser(), CONTROL);
            offset += (int) written.getLen();
        }
    }

    public void closeStdin(String containerId, String execId) throws AgentException {
        control("CloseStdin", CloseStdinRequest.newBuilder().setContainerId(containerId).setExecId(execId).build());
    }

    public void pauseContainer(String containerId) throws AgentException {
        control("PauseContainer", PauseContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    public void resumeContainer(String containerId) throws AgentException {
        control("ResumeContainer", ResumeContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    public void resizeTty(String containerId, String execId, int rows, int columns) throws AgentException {
        control("TtyWinResize", TtyWinResizeRequest.newBuilder().setContainerId(containerId).setExecId(execId)
                .setRow(rows).setColumn(columns).build());
    }

    public void updateContainer(String containerId, LinuxResources resources) throws AgentException {
        control("UpdateContainer", UpdateContainerRequest.newBuilder().setContainerId(containerId)
                .setResources(resources).build());
    }

    public StatsContainerResponse statsContainer(String containerId) throws AgentException {
        return call("StatsContainer", StatsContainerRequest.newBuilder().setContainerId(containerId).build(),
                StatsContainerResponse.parser(), CONTROL);
    }

    /** Kata's GetMetrics: the agent's and the guest's metrics in Prometheus' text format. */
    public String metrics(Duration timeout) throws AgentException {
        return call("GetMetrics", GetMetricsRequest.getDefaultInstance(), Metrics.parser(),
                CallOptions.ofTimeout(timeout)).getMetrics();
    }

    /** Blocks until the OOM killer hits a container of the sandbox; its id. */
    /** Configures the guest NIC whose MAC the interface names (addresses, MTU, name, up). */
    public void updateInterface(io.katacontainers.agent.proto.types.Interface nic) throws AgentException {
        call("UpdateInterface", io.katacontainers.agent.proto.UpdateInterfaceRequest.newBuilder().setInterface(nic)
                .build(), io.katacontainers.agent.proto.types.Interface.parser(), CONTROL);
    }

    /** Installs the routes (link-scope ones first, as the agent orders them). */
    public void updateRoutes(java.util.List<io.katacontainers.agent.proto.types.Route> routes)
            throws AgentException {
        call("UpdateRoutes", io.katacontainers.agent.proto.UpdateRoutesRequest.newBuilder()
                .setRoutes(io.katacontainers.agent.proto.Routes.newBuilder().addAllRoutes(routes)).build(),
                io.katacontainers.agent.proto.Routes.parser(), CONTROL);
    }

    public void addArpNeighbors(java.util.List<io.katacontainers.agent.proto.types.ARPNeighbor> neighbors)
            throws AgentException {
        control("AddARPNeighbors", io.katacontainers.agent.proto.AddARPNeighborsRequest.newBuilder()
                .setNeighbors(io.katacontainers.agent.proto.ARPNeighbors.newBuilder().addAllARPNeighbors(neighbors))
                .build());
    }

    public String nextOomEvent() throws AgentException {
        return call("GetOOMEvent", GetOOMEventRequest.getDefaultInstance(), OOMEvent.parser(), CallOptions.DEFAULT)
                .getContainerId();
    }

    private Optional<byte[]> read(String method, String containerId, String execId, int max) throws AgentException {
        try {
            ReadStreamResponse response = ttrpc.call(AGENT, method, ReadStreamRequest.newBuilder()
                    .setContainerId(containerId).setExecId(execId).setLen(max).build(),
                    ReadStreamResponse.parser(), CallOptions.DEFAULT);
            // The agent answers an empty read at the end of the stream, as Kata's does.
            return response.getData().isEmpty() ? Optional.empty() : Optional.of(response.getData().toByteArray());
        } catch (StatusException e) {
            // A process the agent no longer knows (an exec after its WaitProcess) has no output left; any other
            // failure, UNKNOWN included, is one: the output is cut short, and the caller must hear of it.
            if (e.code() == Code.NOT_FOUND || e.code() == Code.OUT_OF_RANGE) {
                return Optional.empty();
            }
            throw new AgentException(method + " for " + containerId + "/" + execId + " failed: " + e.getMessage(), e);
        }
    }

    private void control(String method, MessageLite request) throws AgentException {
        call(method, request, Empty.parser(), CONTROL);
    }

    private <R> R call(String method, MessageLite request, Parser<R> parser, CallOptions options)
            throws AgentException {
        long start = System.nanoTime();
        try {
            R response = ttrpc.call(AGENT, method, request, parser, options);
            LOG.log(System.Logger.Level.DEBUG, "agent {0} answered in {1} ms", method,
                    (System.nanoTime() - start) / 1_000_000);
            return response;
        } catch (StatusException e) {
            LOG.log(System.Logger.Level.DEBUG, "agent {0} failed in {1} ms", method,
                    (System.nanoTime() - start) / 1_000_000);
            throw new AgentException("agent " + method + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        ttrpc.close();
    }
}
