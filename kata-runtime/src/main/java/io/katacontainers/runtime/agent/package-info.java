/**
 * The runtime's side of the agent: {@code AgentDialer} reaches the agent over the VM's channel (hybrid vsock,
 * kernel vsock or virtio-serial) until the dial timeout, and {@code AgentClient} makes the {@code grpc.AgentService}
 * calls over ttrpc, the agent's status codes kept in {@code AgentException}.
 */
package io.katacontainers.runtime.agent;
