/**
 * Kata's agent API as protoc generates it from {@code agent.proto}, {@code oci.proto}, {@code health.proto} and
 * {@code csi.proto} (protobuf package {@code grpc}): the {@code grpc.AgentService} and {@code grpc.Health} messages
 * that the runtime and the agent exchange over ttrpc, and the OCI runtime spec in Kata's protobuf form.
 */
package io.katacontainers.agent.proto;
