package io.katacontainers.agent.system;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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

    /** Writes them under the sandbox directory's {@code proc-sys} (for inspection) instead of the host's. */
    @Override
    public void setNetworkSysctls(Map<String, String> sysctls) throws IOException {
        for (String key : sysctls.keySet()) {
            Path file = NetworkSysctls.fileOf(sandboxDir.resolve("proc-sys"), key);
            Files.createDirectories(file.getParent());
            Files.writeString(file, sysctls.get(key));
        }
        LOG.log(Level.INFO, "host mode: network sysctls {0} recorded, not applied", sysctls.keySet());
    }

    @Override
    public void setTime(long seconds, long microseconds) {
        LOG.log(Level.INFO, "host mode: not setting the clock to {0}.{1}", Long.toString(seconds),
                String.format("%06d", microseconds));
    }

    @Override
    public void reseedRandom(byte[] data) {
        LOG.log(Level.INFO, "host mode: not reseeding the host''s entropy pool with {0} bytes", data.length);
    }

    @Override
    public void shutDown() {
        LOG.log(Level.INFO, "host mode: the agent stops, the host keeps running");
    }
}
