/**
 * How the host reaches the agent: {@link io.katacontainers.agent.channel.AgentListener}s on a vsock port, a
 * virtio-serial port or a unix socket, each serving the ttrpc server on platform threads of its own, and
 * {@link io.katacontainers.agent.channel.ChannelDiscovery}, which finds the channels this guest has.
 */
package io.katacontainers.agent.channel;
