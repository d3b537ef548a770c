package io.katacontainers.agent.service;

import com.google.protobuf.Empty;
import io.katacontainers.agent.container.GuestSandbox;
import io.katacontainers.agent.proto.CreateContainerRequest;
import io.katacontainers.agent.proto.ExecProcessRequest;
import io.katacontainers.agent.proto.GetOOMEventRequest;
import io.katacontainers.agent.proto.OOMEvent;
import io.katacontainers.agent.proto.PauseContainerRequest;
import io.katacontainers.agent.proto.RemoveContainerRequest;
import io.katacontainers.agent.proto.ResumeContainerRequest;
import io.katacontainers.agent.proto.SignalProcessRequest;
import io.katacontainers.agent.proto.StartContainerRequest;
import io.katacontainers.agent.proto.StatsContainerRequest;
import io.katacontainers.agent.proto.StatsContainerResponse;
import io.katacontainers.agent.proto.UpdateContainerRequest;
import io.katacontainers.agent.proto.WaitProcessRequest;
import io.katacontainers.agent.proto.WaitProcessResponse;
import io.katacontainers.agent.system.AgentPlatform;
import io.katacontainers.agent.system.NetworkSysctls;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ttrpc.ServiceDefinition;
import java.time.Duration;

/** Container and process lifecycle RPCs. */
final class ContainerRpcs {
    private final GuestSandbox sandbox;
    private final AgentPlatform platform;

    ContainerRpcs(GuestSandbox sandbox, AgentPlatform platform) {
        this.sandbox = sandbox;
        this.platform = platform;
    }

    void register(ServiceDefinition.Builder service) {
        service.method("CreateContainer", CreateContainerRequest.parser(),
                (request, context) -> create(request));
        service.method("StartContainer", StartContainerRequest.parser(),
                (request, context) -> start(request));
        service.method("ExecProcess", ExecProcessRequest.parser(), (request, context) -> exec(request));
        service.method("SignalProcess", SignalProcessRequest.parser(),
                (request, context) -> signal(request));
        service.method("WaitProcess", WaitProcessRequest.parser(), (request, context) -> await(request));
        service.method("RemoveContainer", RemoveContainerRequest.parser(),
                (request, context) -> remove(request));
        service.method("PauseContainer", PauseContainerRequest.parser(),
                (request, context) -> pause(request));
        service.method("ResumeContainer", ResumeContainerRequest.parser(),
                (request, context) -> resume(request));
        service.method("UpdateContainer", UpdateContainerRequest.parser(),
                (request, context) -> update(request));
        service.method("StatsContainer", StatsContainerRequest.parser(),
                (request, context) -> stats(request));
        service.method("GetOOMEvent", GetOOMEventRequest.parser(),
                (request, context) -> OOMEvent.newBuilder().setContainerId(sandbox.nextOomKilled()).build());
    }

    private Empty update(UpdateContainerRequest request) throws Exception {
        if (!request.hasResources()) {
            throw ErrdefsException.invalidArgument("no resources in the update of container "
                    + request.getContainerId());
        }
        sandbox.update(request.getContainerId(), request.getResources());
        return Empty.getDefaultInstance();
    }

    private StatsContainerResponse stats(StatsContainerRequest request) throws Exception {
        return sandbox.stats(request.getContainerId());
    }

    private Empty pause(PauseContainerRequest request) throws Exception {
        sandbox.freeze(request.getContainerId(), true);
        return Empty.getDefaultInstance();
    }

    private Empty resume(ResumeContainerRequest request) throws Exception {
        sandbox.freeze(request.getContainerId(), false);
        return Empty.getDefaultInstance();
    }

    private Empty create(CreateContainerRequest request) throws Exception {
        if (request.getSandboxPidns()) {
            throw ErrdefsException.notImplemented("a sandbox-wide pid namespace is not supported");
        }
        if (request.getDevicesCount() > 0 || request.getSharedMountsCount() > 0) {
            throw ErrdefsException.notImplemented("devices and shared mounts are not supported");
        }
        if (request.getStdinPort() != 0 || request.getStdoutPort() != 0 || request.getStderrPort() != 0) {
            throw ErrdefsException.notImplemented("passfd I/O is not supported; use ReadStdout/WriteStdin");
        }
        if (!request.hasOCI()) {
            throw ErrdefsException.invalidArgument("no OCI spec in the request for container "
                    + request.getContainerId());
        }
        // The containers share the sandbox's network namespace: its sysctls are set there, before the container.
        platform.setNetworkSysctls(NetworkSysctls.of(request.getOCI().getLinux().getSysctlMap()));
        sandbox.createContainer(request.getContainerId(), request.getExecId(), request.getOCI(),
                request.getStoragesList());
        return Empty.getDefaultInstance();
    }

    private Empty start(StartContainerRequest request) throws Exception {
        sandbox.startContainer(request.getContainerId());
        return Empty.getDefaultInstance();
    }

    private Empty exec(ExecProcessRequest request) throws Exception {
        if (!request.hasProcess()) {
            throw ErrdefsException.invalidArgument("no process in the exec request " + request.getExecId());
        }
        if (request.getStdinPort() != 0 || request.getStdoutPort() != 0 || request.getStderrPort() != 0) {
            throw ErrdefsException.notImplemented("passfd I/O is not supported; use ReadStdout/WriteStdin");
        }
        sandbox.exec(request.getContainerId(), request.getExecId(), request.getProcess());
        return Empty.getDefaultInstance();
    }

    private Empty signal(SignalProcessRequest request) throws Exception {
        sandbox.signal(request.getContainerId(), request.getExecId(), request.getSignal());
        return Empty.getDefaultInstance();
    }

    private WaitProcessResponse await(WaitProcessRequest request) throws Exception {
        var termination = sandbox.await(request.getContainerId(), request.getExecId());
        return WaitProcessResponse.newBuilder().setStatus(termination.exitStatus()).build();
    }

    private Empty remove(RemoveContainerRequest request) throws Exception {
        sandbox.removeContainer(request.getContainerId(), Duration.ofSeconds(request.getTimeout()));
        return Empty.getDefaultInstance();
    }
}
