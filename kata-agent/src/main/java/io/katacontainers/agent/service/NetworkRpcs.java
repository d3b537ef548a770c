package io.katacontainers.agent.service;

import com.google.protobuf.Empty;
import io.katacontainers.agent.network.GuestNetwork;
import io.katacontainers.agent.proto.AddARPNeighborsRequest;
import io.katacontainers.agent.proto.Interfaces;
import io.katacontainers.agent.proto.ListInterfacesRequest;
import io.katacontainers.agent.proto.ListRoutesRequest;
import io.katacontainers.agent.proto.Routes;
import io.katacontainers.agent.proto.UpdateInterfaceRequest;
import io.katacontainers.agent.proto.UpdateRoutesRequest;
import io.katacontainers.agent.system.AgentPlatform;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ttrpc.ServiceDefinition;

/**
 * Kata's network RPCs. They change the machine's network, so an agent running on a host (tests) refuses the
 * changes; listing works everywhere.
 */
final class NetworkRpcs {
    private final GuestNetwork network = new GuestNetwork();
    private final AgentPlatform platform;

    NetworkRpcs(AgentPlatform platform) {
        this.platform = platform;
    }

    void register(ServiceDefinition.Builder service) {
        service.method("UpdateInterface", UpdateInterfaceRequest.parser(), (request, context) -> {
            guestOnly("UpdateInterface");
            return network.updateInterface(request.getInterface());
        });
        service.method("UpdateRoutes", UpdateRoutesRequest.parser(), (request, context) -> {
            guestOnly("UpdateRoutes");
            return Routes.newBuilder().addAllRoutes(network.updateRoutes(request.getRoutes().getRoutesList()))
                    .build();
        });
        service.method("AddARPNeighbors", AddARPNeighborsRequest.parser(), (request, context) -> {
            guestOnly("AddARPNeighbors");
            network.addNeighbors(request.getNeighbors().getARPNeighborsList());
            return Empty.getDefaultInstance();
        });
        service.method("ListInterfaces", ListInterfacesRequest.parser(),
                (request, context) -> Interfaces.newBuilder().addAllInterfaces(network.interfaces()).build());
        service.method("ListRoutes", ListRoutesRequest.parser(),
                (request, context) -> Routes.newBuilder().addAllRoutes(network.routes()).build());
    }

    private void guestOnly(String method) {
        if (!platform.isGuest()) {
            throw ErrdefsException.failedPrecondition(method + ": an agent on a host does not change the host's "
                    + "network");
        }
    }
}
