package io.katacontainers.runtime.agent;

/** The agent could not be reached or refused a request; the message says which and why. */
public final class AgentException extends Exception {
    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
