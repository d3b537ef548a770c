package io.katacontainers.agent.service;

import com.google.protobuf.Empty;
import io.katacontainers.agent.container.GuestSandbox;
import io.katacontainers.agent.mount.StorageDriver;
import io.katacontainers.agent.proto.AgentDetails;
import io.katacontainers.agent.proto.CreateSandboxRequest;
import io.katacontainers.agent.proto.DestroySandboxRequest;
import io.katacontainers.agent.proto.GuestDetailsRequest;
import io.katacontainers.agent.proto.GuestDetailsResponse;
import io.katacontainers.agent.proto.ReseedRandomDevRequest;
import io.katacontainers.agent.proto.SetGuestDateTimeRequest;
import io.katacontainers.agent.system.MemoryInfo;
import io.katacontainers.agent.system.AgentPlatform;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ttrpc.ServiceDefinition;
import java.lang.System.Logger.Level;

/** The sandbox-wide RPCs: CreateSandbox, DestroySandbox, GetGuestDetails, SetGuestDateTime, ReseedRandomDev. */
final class SandboxRpcs {
    private static final System.Logger LOG = System.getLogger(SandboxRpcs.class.getName());

    private final GuestSandbox sandbox;
    private final AgentPlatform platform;
    private final ShutdownRequest shutdown;
    private final SandboxIdentity identity;

    SandboxRpcs(GuestSandbox sandbox, AgentPlatform platform, ShutdownRequest shutdown, SandboxIdentity identity) {
        this.sandbox = sandbox;
        this.platform = platform;
        this.shutdown = shutdown;
        this.identity = identity;
    }

    void register(ServiceDefinition.Builder service) {
        service.method("CreateSandbox", CreateSandboxRequest.parser(),
                (request, context) -> createSandbox(request));
        service.method("DestroySandbox", DestroySandboxRequest.parser(),
                (request, context) -> destroySandbox(request));
        service.method("GetGuestDetails", GuestDetailsRequest.parser(),
                (request, context) -> guestDetails(request));
        service.method("SetGuestDateTime", SetGuestDateTimeRequest.parser(),
                (request, context) -> setDateTime(request));
        service.method("ReseedRandomDev", ReseedRandomDevRequest.parser(),
                (request, context) -> reseed(request));
    }

    private Empty createSandbox(CreateSandboxRequest request) throws Exception {
        if (request.getKernelModulesCount() > 0) {
            throw ErrdefsException.notImplemented("loading kernel modules is not supported: build "
                    + request.getKernelModulesList().stream().map(m -> m.getName()).toList()
                    + " into the guest kernel");
        }
        if (request.getSandboxPidns()) {
            throw ErrdefsException.notImplemented("a sandbox-wide pid namespace is not supported");
        }
        if (!request.getGuestHookPath().isEmpty()) {
            LOG.log(Level.WARNING, "guest hooks are not supported; ignoring {0}", request.getGuestHookPath());
        }
        identity.set(request.getSandboxId());
        platform.setHostname(request.getHostname());
        sandbox.attachSandboxStorages(request.getStoragesList());
        platform.setDns(request.getDnsList());
        LOG.log(Level.INFO, "sandbox {0} created", request.getSandboxId());
        return Empty.getDefaultInstance();
    }

    /**
     * Tears everything down, then asks for the shutdown whatever happened: the host is about to stop the VM, and
     * an agent left running would only keep it alive.
     */
    private Empty destroySandbox(DestroySandboxRequest request) throws Exception {
        try {
            sandbox.destroy();
        } finally {
            shutdown.request();
        }
        return Empty.getDefaultInstance();
    }

    private GuestDetailsResponse guestDetails(GuestDetailsRequest request) throws Exception {
        var details = GuestDetailsResponse.newBuilder()
                .setAgentDetails(AgentDetails.newBuilder()
                        .setVersion(Version.AGENT)
                        .setInitDaemon(Processes.getpid() == 1)
                        .addAllStorageHandlers(StorageDriver.NAMES)
                        // crun (and runc) apply the spec's seccomp filter.
                        .setSupportsSeccomp(true));
        if (request.getMemBlockSize()) {
            details.setMemBlockSizeBytes(MemoryInfo.blockSizeBytes());
        }
        if (request.getMemHotplugProbe()) {
            details.setSupportMemHotplugProbe(MemoryInfo.supportsHotplugProbe());
        }
        return details.build();
    }

    private Empty reseed(ReseedRandomDevRequest request) throws Exception {
        if (request.getData().isEmpty()) {
            throw ErrdefsException.invalidArgument("ReseedRandomDev needs random bytes, got none");
        }
        platform.reseedRandom(request.getData().toByteArray());
        return Empty.getDefaultInstance();
    }

    private Empty setDateTime(SetGuestDateTimeRequest request) throws Exception {
        platform.setTime(request.getSec(), request.getUsec());
        return Empty.getDefaultInstance();
    }
}
