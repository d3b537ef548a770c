package io.katacontainers.agent.service;

/** The sandbox id CreateSandbox named, for the metrics' {@code sandbox_id} label; empty before. */
final class SandboxIdentity {
    private volatile String sandboxId = "";

    String sandboxId() {
        return sandboxId;
    }

    void set(String id) {
        sandboxId = id;
    }
}
