package io.katacontainers.agent.system;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The machine-wide effects of the agent's requests. In the guest they change the VM; on a host, where tests run
 * the agent as an ordinary process, they must not touch the host's name, DNS, clock or power.
 */
public sealed interface AgentPlatform permits GuestPlatform, HostPlatform {

    /** Whether this is the guest (GetGuestDetails' init_daemon reports whether the agent is PID 1, though). */
    boolean isGuest();

    void setHostname(String hostname) throws IOException;

    /** Installs the sandbox's resolv.conf lines (e.g. {@code nameserver 10.0.0.1}). */
    void setDns(List<String> lines) throws IOException;

    /**
     * Applies a container's {@code net.*} sysctls to the sandbox's network namespace, which all its containers
     * share (see {@link NetworkSysctls}).
     */
    void setNetworkSysctls(Map<String, String> sysctls) throws IOException;

    void setTime(long seconds, long microseconds) throws IOException;

    /** Mixes host random bytes into the guest's entropy pool and reseeds its CRNG (Kata's ReseedRandomDev). */
    void reseedRandom(byte[] data) throws IOException;

    /** Ends the machine; returns only where there is no machine to end (the host). */
    void shutDown();
}
