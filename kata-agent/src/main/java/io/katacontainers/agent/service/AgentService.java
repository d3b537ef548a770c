package io.katacontainers.agent.service;

import io.katacontainers.agent.container.GuestSandbox;
import io.katacontainers.agent.system.AgentPlatform;
import io.katacontainers.api.metrics.ProcFs;
import io.katacontainers.ttrpc.ServiceDefinition;
import java.util.List;

/**
 * {@code grpc.AgentService} and {@code grpc.Health} as this agent serves them. Methods not registered here
 * (networking, hotplug, policy...) are answered UNIMPLEMENTED by the ttrpc server.
 */
public final class AgentService {
    public static final String NAME = "grpc.AgentService";

    private AgentService() {
    }

    public static List<ServiceDefinition> definitions(GuestSandbox sandbox, AgentPlatform platform,
                                                      ShutdownRequest shutdown) {
        var agent = ServiceDefinition.builder(NAME);
        var identity = new SandboxIdentity();
        new SandboxRpcs(sandbox, platform, shutdown, identity).register(agent);
        new MetricsRpcs(identity, ProcFs.system()).register(agent);
        new ContainerRpcs(sandbox, platform).register(agent);
        new StreamRpcs(sandbox).register(agent);
        new NetworkRpcs(platform).register(agent);
        return List.of(agent.build(), HealthService.definition());
    }
}
