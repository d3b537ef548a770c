package io.katacontainers.runtime.agent;

import io.katacontainers.errdefs.Classified;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.ttrpc.StatusException;

/**
 * The agent could not be reached or refused a request; the message says which and why. Its kind is the agent's
 * status code (or the local one: DEADLINE_EXCEEDED, UNAVAILABLE), so a service that lets it out answers with the
 * same code.
 */
public final class AgentException extends Exception implements Classified {
    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public ErrorKind kind() {
        return getCause() instanceof StatusException status ? ErrorKind.of(status.code()) : ErrorKind.UNKNOWN;
    }
}
