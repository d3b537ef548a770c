/**
 * The Kata agent that runs inside the guest: a ttrpc server (vsock, virtio-serial or a unix socket) that sets up
 * the sandbox and runs containers through an OCI runtime CLI (crun in the guest, runc in host tests).
 */
module io.katacontainers.agent {
    requires io.katacontainers.ffm;
    requires io.katacontainers.agent.proto;
    requires io.katacontainers.api;

    exports io.katacontainers.agent;

    // One-line log messages on stderr at the agent's level, for every System.Logger in the JVM.
    provides java.lang.System.LoggerFinder with io.katacontainers.agent.log.AgentLoggerFinder;
}
