package io.katacontainers.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.agent.proto.Box;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.ffm.libc.Terminals;
import io.katacontainers.oci.OciSpecException;
import io.katacontainers.oci.OciSpecJson;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.io.ConsoleSocket;
import io.katacontainers.runtime.io.HostTerminal;
import io.katacontainers.runtime.io.SignalForwarder;
import io.katacontainers.runtime.launch.SelfCommand;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.runtime.persist.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code kata-runtime exec}: runs another process in a container made by {@code create}, with runc's flags. Attached,
 * this command relays the process's stdio and signals and exits with its status; with {@code --detach} it starts
 * such a relay as a child process, writes the relay's pid to {@code --pid-file} and returns once the process runs,
 * so that a caller that reaps the pid (containerd's runc shim, conmon) gets the process's status and stdio.
 */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = {"Run another process in a container; its stdio is this command's, its exit status is "
                + "returned."},
        footer = {"", "Example:", "  kata-runtime exec mycontainer ps"})
final class ExecCommand extends OciCommands.Base {
    /** The relays of the container's exec processes record their pids here, for {@code ps --format json}. */
    static final String RELAYS = "relays";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    @Parameters(index = "0", paramLabel = "CONTAINER_ID")
    String id;
    @Parameters(index = "1..*", arity = "0..*", paramLabel = "COMMAND")
    List<String> command = new ArrayList<>();
    @Option(names = {"-t", "--tty"}, description = "Allocate a terminal.")
    boolean tty;
    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory in the container.")
    String cwd;
    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Add an environment variable.")
    List<String> env = new ArrayList<>();
    @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "The user to run as.")
    String user;
    @Option(names = {"-g", "--additional-gids"}, paramLabel = "GID", description = "Additional groups.")
    List<Integer> additionalGids = new ArrayList<>();
    @Option(names = {"-p", "--process"}, paramLabel = "FILE",
            description = "The process as runtime-spec JSON (process.json); COMMAND is then not needed.")
    Path processFile;
    @Option(names = {"-d", "--detach"}, description = "Return once the process runs; its relay's pid is the one "
            + "in --pid-file.")
    boolean detach;
    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the pid of the process that stands "
            + "for the container's process on the host (its relay) to FILE.")
    Path pidFile;
    @Option(names = "--console-socket", paramLabel = "SOCKET", description = "With a terminal: send the master of "
            + "the process's terminal to this unix socket, as runc does.")
    Path consoleSocket;
    @Option(names = "--no-new-privs", description = "Set no_new_privs for the process.")
    boolean noNewPrivs;
    @Option(names = {"-c", "--cap"}, paramLabel = "CAP", description = "Add a capability to the process.")
    List<String> caps = new ArrayList<>();
    @Option(names = "--preserve-fds", paramLabel = "N", defaultValue = "0",
            description = "Only 0: descriptors cannot cross into the VM.")
    int preserveFds;
    @Option(names = "--process-label", paramLabel = "LABEL", description = "SELinux label of the process.")
    String processLabel;
    @Option(names = "--apparmor", paramLabel = "PROFILE", description = "AppArmor profile of the process.")
    String apparmor;
    @Option(names = "--cgroup", paramLabel = "CGROUP", description = "Not supported (refused): the process runs in "
            + "the container's cgroup in the guest.")
    String cgroup;
    @Option(names = "--ignore-paused", description = "Allow exec in a paused container.")
    boolean ignorePaused;
    @Option(names = "--exec-id", hidden = true)
    String execIdOption;
    @Option(names = "--started-file", hidden = true)
    Path startedFile;

    ExecCommand(StateStore store) {
        super(store);
    }

    @Override
    int run() throws Exception {
        ContainerState state = load(id);
        String status = state.effectiveStatus();
        if (ContainerState.PAUSED.equals(status) && !ignorePaused) {
            throw new OciCommands.Failure("cannot exec in a paused container (use --ignore-paused to override)");
        }
        if (!ContainerState.RUNNING.equals(status) && !ContainerState.CREATED.equals(status)
                && !ContainerState.PAUSED.equals(status)) {
            throw new OciCommands.Failure("cannot exec in a container that is " + status);
        }
        if (preserveFds != 0) {
            throw new OciCommands.Failure("--preserve-fds: file descriptors cannot be passed into the VM");
        }
        if (cgroup != null) {
            throw new OciCommands.Failure("--cgroup is not supported: the process runs in the container's cgroup "
                    + "in the VM");
        }
        if (!command.isEmpty() && command.getFirst().equals("--")) {
            command = command.subList(1, command.size()); // 'exec ID -- CMD': the delimiter after the id
        }
        Process process = process(state);
        if (consoleSocket != null && !process.getTerminal()) {
            throw new OciCommands.Failure("cannot use console socket if runc will not detach or allocate tty "
                    + "(pass --tty or a process with terminal true)");
        }
        if (detach && process.getTerminal() && consoleSocket == null) {
            throw new OciCommands.Failure("cannot allocate tty if runc will detach without setting console socket");
        }
        String execId = execIdOption != null ? execIdOption : "exec-" + HexFormat.of().formatHex(
                ByteBuffer.allocate(8).putLong(ThreadLocalRandom.current().nextLong()).array());
        return detach ? startRelay(process, execId) : relay(process, execId);
    }

    /** The process to run: {@code --process}'s, else the container's with COMMAND, then the flags applied. */
    private Process process(ContainerState state) throws Exception {
        Process.Builder process;
        if (processFile != null) {
            try {
                process = OciSpecJson.fromJson(new ObjectMapper().readTree(Files.readAllBytes(processFile)),
                        Process.newBuilder(), key -> { });
            } catch (OciSpecException | IOException e) {
                throw new OciCommands.Failure("cannot read the process from " + processFile + ": "
                        + e.getMessage());
            }
            if (!command.isEmpty()) {
                process.clearArgs().addAllArgs(command);
            }
        } else {
            Process template;
            try {
                template = Bundle.load(Path.of(state.bundle())).spec().getProcess();
            } catch (BundleException e) {
                throw new OciCommands.Failure(e.getMessage());
            }
            process = template.toBuilder().clearArgs().addAllArgs(command).setTerminal(tty).clearConsoleSize();
        }
        if (process.getArgsCount() == 0) {
            throw new OciCommands.Failure("process args must not be empty: pass a COMMAND or --process FILE");
        }
        if (tty) {
            process.setTerminal(true);
        }
        env.forEach(process::addEnv);
        if (cwd != null) {
            process.setCwd(cwd);
        }
        if (user != null) {
            String[] ids = user.split(":", 2);
            try {
                process.getUserBuilder().setUID(Integer.parseUnsignedInt(ids[0]));
                if (ids.length == 2) {
                    process.getUserBuilder().setGID(Integer.parseUnsignedInt(ids[1]));
                }
            } catch (NumberFormatException e) {
                throw new OciCommands.Failure("--user " + user + ": expected UID[:GID] (numbers)");
            }
        }
        additionalGids.forEach(process.getUserBuilder()::addAdditionalGids);
        if (noNewPrivs) {
            process.setNoNewPrivileges(true);
        }
        for (String cap : caps) {
            process.getCapabilitiesBuilder().addBounding(cap).addEffective(cap).addPermitted(cap);
        }
        if (processLabel != null) {
            process.setSelinuxLabel(processLabel);
        }
        if (apparmor != null) {
            process.setApparmorProfile(apparmor);
        }
        Process.Builder result = process;
        if (result.getTerminal() && !result.hasConsoleSize()) {
            HostTerminal.size().ifPresent(size -> result.setConsoleSize(
                    Box.newBuilder().setHeight(size[0]).setWidth(size[1])));
        }
        return result.build();
    }

    /** Runs the process attached: stdio relayed, signals forwarded, its exit status returned. */
    private int relay(Process process, String execId) throws Exception {
        Path relays = store.sandboxDir(id).resolve(RELAYS);
        Path relayPid = relays.resolve(execId + ".pid");
        if (pidFile != null) {
            Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
        }
        Optional<ConsoleSocket> console = Optional.empty();
        try (AgentClient agent = connect(id)) {
            Optional<HostTerminal> raw = Optional.empty();
            try {
                GuestProcess.Stdio stdio;
                if (consoleSocket != null) {
                    var box = process.getConsoleSize();
                    console = Optional.of(ConsoleSocket.handOver(consoleSocket, box.getHeight() > 0
                            ? Optional.of(new Terminals.WindowSize(box.getHeight(), box.getWidth()))
                            : Optional.empty()));
                    stdio = new GuestProcess.Stdio(true, console.get().input(), console.get().output(),
                            console.get().output());
                } else {
                    stdio = new GuestProcess.Stdio(process.getTerminal(), System.in, System.out, System.err);
                }
                GuestProcess exec = GuestProcess.exec(agent, id, execId, process, stdio);
                console.ifPresent(terminal -> terminal.onResize(size -> resize(exec, size)));
                Files.createDirectories(relays);
                Files.writeString(relayPid, Long.toString(ProcessHandle.current().pid()));
                if (startedFile != null) {
                    Files.writeString(startedFile, execId);
                }
                SignalForwarder.install(signal -> forward(exec, signal));
                raw = process.getTerminal() && console.isEmpty() ? HostTerminal.rawIfTerminal() : Optional.empty();
                return exec.awaitEnd().status();
            } finally {
                Files.deleteIfExists(relayPid);
                if (raw.isPresent()) {
                    raw.get().close();
                }
                if (console.isPresent()) {
                    console.get().close();
                }
            }
        }
    }

    private void resize(GuestProcess exec, Terminals.WindowSize size) {
        try {
            exec.resize(size.rows(), size.columns());
        } catch (AgentException e) {
            spec.commandLine().getErr().println("kata-runtime exec: cannot resize the terminal: " + e.getMessage());
        }
    }

    private void forward(GuestProcess exec, int signal) {
        try {
            exec.signal(signal, false);
        } catch (AgentException e) {
            spec.commandLine().getErr().println("kata-runtime exec: cannot forward signal " + signal + ": "
                    + e.getMessage());
        }
    }

    /**
     * {@code --detach}: a child {@code kata-runtime exec} relays the process (the caller reaps it, as it would
     * reap runc's process); this command returns once the process runs, or fails with the relay's error.
     */
    private int startRelay(Process process, String execId) throws Exception {
        Path dir = store.sandboxDir(id);
        Path json = dir.resolve(execId + ".process.json");
        Path started = dir.resolve(execId + ".started");
        Files.writeString(json, OciSpecJson.toJson(process).toString());
        List<String> argv = new ArrayList<>();
        if (consoleSocket != null) {
            argv.add("setsid"); // a session leader: the terminal becomes its own, and resizes arrive as SIGWINCH
        }
        argv.addAll(SelfCommand.argv("kata-runtime", KataRuntimeCli.class));
        if (spec.root().userObject() instanceof KataRuntimeCli cli) {
            argv.addAll(cli.loggingArgs());
        }
        argv.addAll(List.of("exec", "--exec-id", execId, "--started-file", started.toString(),
                "--process", json.toString()));
        if (consoleSocket != null) {
            argv.addAll(List.of("--console-socket", consoleSocket.toAbsolutePath().toString()));
        }
        argv.add(id);
        // With a terminal the process's stdio is the pty: the relay must not keep this command's output open.
        TerminalChild terminalChild = consoleSocket == null ? null : TerminalChild.start(argv);
        java.lang.Process relay = terminalChild != null ? terminalChild.process()
                : new ProcessBuilder(argv).inheritIO().start();
        try {
            Instant deadline = Instant.now().plus(START_TIMEOUT);
            while (!Files.exists(started)) {
                if (relay.waitFor(20, TimeUnit.MILLISECONDS)) {
                    if (terminalChild != null) {
                        terminalChild.drain();
                    }
                    return relay.exitValue(); // it printed why
                }
                if (Instant.now().isAfter(deadline)) {
                    relay.destroyForcibly().waitFor();
                    throw new OciCommands.Failure("exec in container " + id + " did not start within "
                            + START_TIMEOUT.toSeconds() + "s");
                }
            }
            if (pidFile != null) {
                Files.writeString(pidFile, Long.toString(relay.pid()));
            }
            return 0;
        } finally {
            Files.deleteIfExists(json);
            Files.deleteIfExists(started);
        }
    }
}
