/**
 * The ttrpc services the agent serves: {@code grpc.AgentService} (sandbox, container and stream RPCs, each group
 * in a class of its own) and {@code grpc.Health}.
 */
package io.katacontainers.agent.service;
