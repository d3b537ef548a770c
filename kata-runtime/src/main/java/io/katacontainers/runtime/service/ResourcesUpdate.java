package io.katacontainers.runtime.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import io.katacontainers.agent.proto.LinuxResources;
import io.katacontainers.oci.OciSpecException;
import io.katacontainers.oci.OciSpecJson;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;

import java.io.IOException;

/**
 * The resources of containerd's Update: the runtime spec's {@code LinuxResources}, which containerd's typeurl
 * registry packs as JSON under {@value #TYPE_URL}, read into the agent's message.
 */
final class ResourcesUpdate {
    static final String TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResourcesUpdate() {
    }

    static LinuxResources parse(Any resources) throws StatusException {
        if (!resources.getTypeUrl().equals(TYPE_URL)) {
            throw new StatusException(Code.INVALID_ARGUMENT, "cannot update resources of type '"
                    + resources.getTypeUrl() + "': a Linux guest takes " + TYPE_URL);
        }
        try {
            JsonNode json = JSON.readTree(resources.getValue().toByteArray());
            return OciSpecJson.fromJson(json, LinuxResources.newBuilder(), ignored -> { }).build();
        } catch (IOException | OciSpecException e) {
            throw new StatusException(Code.INVALID_ARGUMENT, "invalid resources in the update: " + e.getMessage());
        }
    }
}
