package io.katacontainers.ttrpc;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.agent.proto.HealthCheckResponse.ServingStatus;
import io.katacontainers.agent.proto.VersionCheckResponse;

/** grpc.Health as the Go test server (resources go/src/ttrpcpeer/server) implements it, so both peers answer alike. */
final class HealthService {

  private HealthService() {}

  static ServiceDefinition definition() {
    return ServiceDefinition.builder("grpc.Health")
        .method("Check", CheckRequest.parser(), HealthService::check)
        .method("Version", CheckRequest.parser(), HealthService::version)
        .build();
  }

  private static HealthCheckResponse check(CheckRequest request, RequestContext context) throws Exception {
    switch (request.getService()) {
      case "fail" -> throw new StatusException(Code.NOT_FOUND, "no service named \"fail\"");
      case "sleep" -> Thread.sleep(Long.MAX_VALUE);
      default -> { }
    }
    return HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVING).build();
  }

  private static VersionCheckResponse version(CheckRequest request, RequestContext context) throws Exception {
    String service = request.getService();
    if (service.startsWith("call-")) {
      Thread.sleep(Integer.parseInt(service.substring("call-".length())) % 5);
    }
    return VersionCheckResponse.newBuilder()
        .setGrpcVersion("deadline=" + context.deadline().isPresent())
        .setAgentVersion(String.join(",", context.metadata().all("x-test")) + "|" + service)
        .build();
  }
}
