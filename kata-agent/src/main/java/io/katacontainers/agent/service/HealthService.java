package io.katacontainers.agent.service;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.agent.proto.VersionCheckResponse;
import io.katacontainers.ttrpc.ServiceDefinition;

/** {@code grpc.Health}: the host polls Check until the agent answers, then asks for the Version. */
public final class HealthService {
    public static final String NAME = "grpc.Health";

    private HealthService() {
    }

    public static ServiceDefinition definition() {
        return ServiceDefinition.builder(NAME)
                .method("Check", CheckRequest.parser(), (request, context) -> HealthCheckResponse.newBuilder()
                                .setStatus(HealthCheckResponse.ServingStatus.SERVING).build())
                .method("Version", CheckRequest.parser(), (request, context) -> VersionCheckResponse.newBuilder()
                                .setAgentVersion(Version.AGENT).setGrpcVersion(Version.API).build())
                .build();
    }
}
