package io.katacontainers.ttrpc;

import java.time.Instant;
import java.util.Optional;

/**
 * What a server handler knows about the call besides its payload.
 *
 * @param service  the service name, e.g. {@code grpc.AgentService}
 * @param method   the method name, e.g. {@code CreateContainer}
 * @param metadata the request metadata
 * @param deadline when the caller gives up, if it sent a timeout; the server then answers DEADLINE_EXCEEDED and
 *                 interrupts the handler
 */
public record RequestContext(String service, String method, Metadata metadata, Optional<Instant> deadline) {}
