/**
 * Kata's agent protocol (protoc-generated messages of agent.proto, oci.proto, health.proto...), containerd's shim
 * protocol (task service, task events, runtime options), and a ttrpc client and server that speak containerd's ttrpc
 * wire format over any duplex byte stream.
 */
module io.katacontainers.agent.proto {
  // Generated messages and the ttrpc API expose protobuf types (MessageLite, Parser, Any). protobuf-java
  // 4.36.2 has no module-info: it is the automatic module named by its Automatic-Module-Name.
  requires transitive com.google.protobuf;

  exports io.katacontainers.agent.proto;
  exports io.katacontainers.agent.proto.types;
  // The OCI spec converter hands out Jackson trees.
  requires transitive com.fasterxml.jackson.databind;

  // containerd's shim API (task service, events, runtime options) for containerd-shim-kata-v2.
  exports io.katacontainers.containerd.types;
  exports io.katacontainers.containerd.task;
  exports io.katacontainers.containerd.events;
  exports io.katacontainers.containerd.cgroups.v2;
  exports io.katacontainers.containerd.runtimeoptions;

  exports io.katacontainers.ttrpc;
  // Typed errors (containerd's errdefs) and their one mapping to ttrpc status codes.
  exports io.katacontainers.errdefs;
  exports io.katacontainers.oci;
}
