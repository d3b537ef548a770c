package io.katacontainers.agent;

import io.katacontainers.agent.log.AgentLoggerFinder;
import io.katacontainers.agent.mount.KernelMounter;
import io.katacontainers.agent.service.Version;
import io.katacontainers.agent.system.GuestPlatform;
import io.katacontainers.agent.system.AgentPlatform;
import io.katacontainers.agent.system.ShutdownAction;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ttrpc.StatusException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Entry point: {@code java -m io.katacontainers.agent/io.katacontainers.agent.Main [options]}; see
 * {@link AgentOptions#USAGE}. As PID 1 it never returns: the guest reboots (or powers off) instead, also when
 * something fails, because an init that exits panics the kernel.
 */
public final class Main {
    private static final int USAGE_ERROR = 2;
    private static final int FAILURE = 1;

    private Main() {
    }

    public static void main(String[] args) {
        List<String> arguments = List.of(args);
        if (arguments.contains("--help") || arguments.contains("-h")) {
            System.out.print(AgentOptions.USAGE);
            return;
        }
        if (arguments.contains("--version")) {
            System.out.println("kata-agent " + Version.AGENT);
            return;
        }
        if (arguments.equals(List.of("--self-test"))) {
            selfTest();
            return;
        }
        boolean pid1 = Processes.getpid() == 1;
        if (pid1) {
            mountProc();
        }
        AgentOptions options;
        try {
            options = AgentOptions.parse(arguments, pid1, AgentKernelParams::agentParameters);
        } catch (IllegalArgumentException e) {
            System.err.println("kata-agent: " + e.getMessage());
            System.err.print(AgentOptions.USAGE);
            if (!pid1) {
                System.exit(USAGE_ERROR);
            }
            options = withoutKernelParameters(arguments);
        }
        // Read by the agent's LoggerFinder when the first logger is created, i.e. after this line.
        options.logLevel().ifPresent(level -> System.setProperty(AgentLoggerFinder.LEVEL_PROPERTY, level));
        var agent = new Agent(options);
        AgentPlatform platform = agent.platform();
        try {
            agent.run(platform);
        } catch (Exception | Error e) {
            System.getLogger(Main.class.getName()).log(Level.ERROR, "kata-agent failed", e);
            if (options.guest()) {
                platform.shutDown();
            }
            System.exit(FAILURE);
        }
    }

    private static void selfTest() {
        try {
            SelfTest.run();
            System.out.println("kata-agent: self-test passed");
        } catch (IOException | StatusException | RuntimeException e) {
            System.err.println("kata-agent: self-test failed: " + e);
            System.exit(FAILURE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(FAILURE);
        }
    }

    /**
     * PID 1 with a bad agent.* kernel parameter: the command line alone is better than a kernel panic; if that does
     * not work either, the guest reboots, which ends the VM.
     */
    private static AgentOptions withoutKernelParameters(List<String> arguments) {
        try {
            return AgentOptions.parse(arguments, true, Map::of);
        } catch (IllegalArgumentException e) {
            System.err.println("kata-agent: cannot start: " + e.getMessage());
            new GuestPlatform(new KernelMounter(), Path.of("/run"), ShutdownAction.REBOOT, true).shutDown();
            throw e;
        }
    }

    /**
     * PID 1 reads its kernel parameters (agent.log among them) before anything logs, so /proc is mounted here,
     * without logging; {@link io.katacontainers.agent.mount.InitFilesystems} then finds it mounted.
     */
    private static void mountProc() {
        Path proc = Path.of("/proc");
        if (Files.exists(proc.resolve("self"))) {
            return;
        }
        try {
            Files.createDirectories(proc);
            Mounts.mount("proc", proc, "proc", Mounts.MS_NOSUID | Mounts.MS_NODEV | Mounts.MS_NOEXEC, null);
        } catch (IOException e) {
            System.err.println("kata-agent: cannot mount /proc: " + e.getMessage());
        }
    }
}
