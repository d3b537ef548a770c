package io.katacontainers.agent.system;

import io.katacontainers.agent.mount.Mounter;
import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.SystemControl;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The real guest: the agent owns the VM. */
public final class GuestPlatform implements AgentPlatform {
    private static final System.Logger LOG = System.getLogger(GuestPlatform.class.getName());
    private static final Path GUEST_RESOLV_CONF = Path.of("/etc/resolv.conf");
    private static final Path PROC_SYS = Path.of("/proc/sys");

    private final Mounter mounter;
    private final Path sandboxDir;
    private final ShutdownAction shutdown;
    private final boolean init;

    /**
     * @param sandboxDir where sandbox-wide files live ({@code /run/kata-containers/sandbox})
     * @param init       whether the agent is PID 1: only then does it end the machine itself
     */
    public GuestPlatform(Mounter mounter, Path sandboxDir, ShutdownAction shutdown, boolean init) {
        this.mounter = mounter;
        this.sandboxDir = sandboxDir;
        this.shutdown = shutdown;
        this.init = init;
    }

    @Override
    public boolean isGuest() {
        return true;
    }

    @Override
    public void setHostname(String hostname) throws IOException {
        if (!hostname.isEmpty()) {
            SystemControl.setHostname(hostname);
        }
    }

    /**
     * Like Kata's agent: the lines go to the sandbox's own resolv.conf, bind-mounted over /etc/resolv.conf when the
     * guest image has one (a read-only image cannot be written in place).
     */
    @Override
    public void setDns(List<String> lines) throws IOException {
        if (lines.isEmpty() || !Files.exists(GUEST_RESOLV_CONF)) {
            return;
        }
        if (Files.isDirectory(GUEST_RESOLV_CONF)) {
            throw new IOException(GUEST_RESOLV_CONF + " is a directory");
        }
        Path file = ResolvConf.write(sandboxDir, lines);
        mounter.mount(file.toString(), GUEST_RESOLV_CONF, null, MountOptions.of(Mounts.MS_BIND));
    }

    /** The agent lives in the guest's network namespace, the one the containers share: written there. */
    @Override
    public void setNetworkSysctls(Map<String, String> sysctls) throws IOException {
        NetworkSysctls.write(PROC_SYS, sysctls);
    }

    @Override
    public void setTime(long seconds, long microseconds) throws IOException {
        SystemControl.setTimeOfDay(seconds, microseconds);
    }

    @Override
    public void reseedRandom(byte[] data) throws IOException {
        Entropy.reseed(Path.of("/dev/random"), data);
        LOG.log(Level.INFO, "entropy pool reseeded with {0} host bytes", data.length);
    }

    /**
     * Syncs and reboots (or powers off); if the kernel refuses, halts as a last resort. An agent that is not PID 1
     * leaves that to the guest's init, which gets control back when the agent exits.
     */
    @Override
    public void shutDown() {
        if (!init) {
            LOG.log(Level.INFO, "not PID 1: the guest's init ends the machine");
            return;
        }
        SystemControl.sync();
        for (int command : new int[] {shutdown.command(), SystemControl.RB_HALT_SYSTEM}) {
            try {
                SystemControl.reboot(command);
            } catch (SyscallException e) {
                LOG.log(Level.ERROR, "cannot end the guest: {0}", e.getMessage());
            }
        }
        // PID 1 must not exit (the kernel would panic); nothing is left to do but wait.
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                LOG.log(Level.DEBUG, "interrupted while waiting for the guest to end");
            }
        }
    }
}
