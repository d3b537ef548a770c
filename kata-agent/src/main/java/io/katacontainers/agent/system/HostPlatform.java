package io.katacontainers.agent.system;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;

/**
 * The agent running on a host as an ordinary process (tests, development): requests that would change the machine
 * are logged and confined to the agent's state directory.
 */
public final class HostPlatform implements AgentPlatform {
    private static final System.Logger LOG = System.getLogger(HostPlatform.class.getName());

    private final Path sandboxDir;

    public HostPlatform(Path sandboxDir) {
        this.sandboxDir = sandboxDir;
    }

    @Override
    public boolean isGuest() {
        return false;
    }

    @Override
    public void setHostname(String hostname) {
        LOG.log(Level.INFO, "host mode: not setting the hostname to {0}", hostname);
    }

    /** Writes the sandbox's resolv.conf (for inspection) without installing it. */
    @Override
    public void setDns(List<String> lines) throws IOException {
        if (!lines.isEmpty()) {
            ResolvConf.write(sandboxDir, lines);
        }
    }

    @Override
    public void setTime(long seconds, long microseconds) {
        LOG.log(Level.INFO, "host mode: not setting the clock to {0}.{1}", Long.toString(seconds),
                String.format("%06d", microseconds));
    }

    @Override
    public void shutDown() {
        LOG.log(Level.INFO, "host mode: the agent stops, the host keeps running");
    }
}
