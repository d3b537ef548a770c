package io.katacontainers.agent.service;

/** What DestroySandbox triggers once the sandbox is torn down: the agent's (and in a guest, the VM's) end. */
@FunctionalInterface
public interface ShutdownRequest {
    void request();
}
