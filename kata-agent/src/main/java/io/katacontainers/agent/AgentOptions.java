package io.katacontainers.agent;

import io.katacontainers.agent.channel.ChannelAddress;
import io.katacontainers.agent.system.ShutdownAction;
import io.katacontainers.api.guest.GuestContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The agent's configuration: command-line options, falling back to {@code agent.*} kernel parameters (read only in
 * guest mode), falling back to defaults.
 *
 * @param listen         channels to serve; empty means every one the guest has (vsock port 1024, virtio-serial
 *                       port agent.channel.0)
 * @param runtime        the OCI runtime CLI
 * @param stateDir       bundles and runtime state
 * @param cgroupParent   every container gets {@code <parent>/<id>} unless its spec names a cgroupfs path
 * @param guest          run as the guest's agent: set up the system when PID 1, change hostname/DNS/clock, end
 *                       the VM on DestroySandbox
 * @param shutdown       how the guest ends
 * @param runtimeTimeout how long one runtime command may take
 * @param logLevel       a {@link System.Logger.Level} name, if set
 * @param debugConsole   the vsock port of the debug console shell, if it is on
 */
record AgentOptions(List<ChannelAddress> listen, Path runtime, Path stateDir, String cgroupParent, boolean guest,
                    ShutdownAction shutdown, Duration runtimeTimeout, Optional<String> logLevel,
                    OptionalInt debugConsole) {

    static final String USAGE = """
            Usage: java -m io.katacontainers.agent/io.katacontainers.agent.Main [options]
              --listen ADDR        vsock:PORT | vsock://CID:PORT | serial:NAME | serial:/dev/PATH | unix:PATH
                                   (repeatable; default: vsock:1024 and serial:agent.channel.0, those present)
              --runtime PATH       OCI runtime CLI (default: crun, else runc, from /usr/bin, /usr/sbin, /usr/local)
              --state-dir DIR      bundles and runtime state (default /run/kata-containers)
              --cgroup-parent CG   parent cgroup of the containers' cgroups (default /kata)
              --guest              act as the guest agent although not PID 1 (PID 1 always does)
              --shutdown ACTION    reboot | poweroff: how DestroySandbox ends the guest (default reboot)
              --runtime-timeout S  seconds one runtime command may take (default 120)
              --log-level LEVEL    TRACE | DEBUG | INFO | WARNING | ERROR | OFF (default INFO)
              --debug-console PORT serve a shell (/bin/sh) on vsock PORT, or on the virtio-serial port
                                   agent.debug_console.0 where the guest has no vsock (default: off)
              --self-test          serve a private unix socket, call it as the runtime would (a container through a
                                   stand-in runtime: root, in a private mount namespace), exit (alone)
              --version            print the version and exit
            Kernel parameters, read in guest mode when the option is not given: agent.server_addr=ADDR,
            agent.runtime=PATH, agent.shutdown=ACTION, agent.log=debug|info|warn|error,
            agent.debug_console (on, port 1026), agent.debug_console_vport=PORT.
            """;

    private static final List<Path> RUNTIME_CANDIDATES = List.of(Path.of("/usr/bin/crun"),
            Path.of("/usr/local/bin/crun"), Path.of("/usr/sbin/runc"), Path.of("/usr/bin/runc"),
            Path.of("/usr/local/sbin/runc"), Path.of("/usr/local/bin/runc"));

    AgentOptions {
        listen = List.copyOf(listen);
    }

    /**
     * @param kernel the kernel's {@code agent.*} parameters; pass them only in guest mode
     * @throws IllegalArgumentException with what is wrong, for the usage message
     */
    static AgentOptions parse(List<String> args, boolean pid1, KernelSource kernel) {
        List<ChannelAddress> listen = new ArrayList<>();
        String runtime = null;
        String stateDir = null;
        String cgroupParent = null;
        boolean guest = pid1;
        String shutdown = null;
        String timeout = null;
        String logLevel = null;
        String debugConsole = null;
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            switch (option) {
                case "--listen" -> listen.add(ChannelAddress.parse(value(args, ++i, option)));
                case "--runtime" -> runtime = value(args, ++i, option);
                case "--state-dir" -> stateDir = value(args, ++i, option);
                case "--cgroup-parent" -> cgroupParent = value(args, ++i, option);
                case "--guest" -> guest = true;
                case "--shutdown" -> shutdown = value(args, ++i, option);
                case "--runtime-timeout" -> timeout = value(args, ++i, option);
                case "--log-level" -> logLevel = value(args, ++i, option);
                case "--debug-console" -> debugConsole = value(args, ++i, option);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        Map<String, String> params = guest ? kernel.parameters() : Map.of();
        if (listen.isEmpty() && params.containsKey("server_addr")) {
            listen.add(ChannelAddress.parse(params.get("server_addr")));
        }
        if (logLevel == null && params.containsKey("log")) {
            logLevel = kataLogLevel(params.get("log"));
        }
        if (logLevel != null) {
            System.Logger.Level.valueOf(logLevel);
        }
        if (debugConsole == null && params.containsKey("debug_console")) {
            debugConsole = params.getOrDefault("debug_console_vport",
                    Integer.toString(GuestContract.DEBUG_CONSOLE_VSOCK_PORT));
        }
        OptionalInt consolePort = OptionalInt.empty();
        if (debugConsole != null) {
            int port;
            try {
                port = Integer.parseInt(debugConsole);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the debug console port is not a number: " + debugConsole);
            }
            if (port < 1) {
                throw new IllegalArgumentException("the debug console port must be positive: " + port);
            }
            consolePort = OptionalInt.of(port);
        }
        Path runtimePath = runtime != null ? Path.of(runtime)
                : params.containsKey("runtime") ? Path.of(params.get("runtime")) : defaultRuntime();
        if (!runtimePath.isAbsolute()) {
            throw new IllegalArgumentException("the runtime must be an absolute path: " + runtimePath);
        }
        String cgroups = cgroupParent != null ? cgroupParent : "/kata";
        if (!cgroups.startsWith("/")) {
            throw new IllegalArgumentException("the cgroup parent must start with /: " + cgroups);
        }
        long seconds = timeout != null ? Long.parseLong(timeout) : 120;
        if (seconds <= 0) {
            throw new IllegalArgumentException("the runtime timeout must be positive: " + seconds);
        }
        return new AgentOptions(listen, runtimePath,
                Path.of(stateDir != null ? stateDir : "/run/kata-containers").toAbsolutePath(),
                cgroups.endsWith("/") && cgroups.length() > 1 ? cgroups.substring(0, cgroups.length() - 1) : cgroups,
                guest,
                ShutdownAction.parse(shutdown != null ? shutdown : params.getOrDefault("shutdown", "reboot")),
                Duration.ofSeconds(seconds), Optional.ofNullable(logLevel), consolePort);
    }

    /** Where the kernel parameters come from (only consulted in guest mode). */
    @FunctionalInterface
    interface KernelSource {
        Map<String, String> parameters();
    }

    private static String value(List<String> args, int index, String option) {
        if (index >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(index);
    }

    private static Path defaultRuntime() {
        return RUNTIME_CANDIDATES.stream().filter(Files::isExecutable).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no OCI runtime found in " + RUNTIME_CANDIDATES + "; pass --runtime"));
    }

    /** Kata's agent.log values to System.Logger level names. */
    private static String kataLogLevel(String kata) {
        return switch (kata) {
            case "trace" -> "TRACE";
            case "debug" -> "DEBUG";
            case "info" -> "INFO";
            case "warn", "warning" -> "WARNING";
            case "error", "fatal", "critical" -> "ERROR";
            default -> throw new IllegalArgumentException("unknown agent.log level " + kata);
        };
    }
}
