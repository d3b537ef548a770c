package io.katacontainers.runtime.cli;

import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.PidFd;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.PosixSpawn;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.launch.ProcessRelay;
import io.katacontainers.runtime.launch.SelfCommand;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.SandboxCleanup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code kata-runtime create}: boots the container's VM through a detached sandbox process and a light relay. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a container in its own VM, ready to be started with 'kata-runtime start'.",
                "", "The VM is kept by a detached sandbox process until 'kata-runtime delete'; the container's "
                + "stdout and stderr are this command's, as with runc (stdin is /dev/null)."})
final class CreateCommand extends OciCommands.Base {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    @Parameters(index = "0", paramLabel = "CONTAINER_ID")
    String id;
    @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", defaultValue = ".", description = "The OCI bundle.")
    Path bundleDir;
    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the container's pid (the sandbox "
            + "holder's) to FILE.")
    Path pidFile;
    @Option(names = "--console-socket", paramLabel = "SOCKET",
            description = "For a spec with process.terminal: send the master of the container's terminal (a "
            + "pty whose other end is relayed to the container's terminal in the VM) to this unix socket, as "
            + "runc does.")
    Path consoleSocket;
    @Option(names = "--no-pivot", description = "runc's: the root is set up inside the VM, where it always can "
            + "pivot_root; accepted.")
    boolean noPivot;
    @Option(names = "--no-new-keyring", description = "runc's: the VM's kernel keeps the keyrings apart; accepted.")
    boolean noNewKeyring;
    @Option(names = "--preserve-fds", paramLabel = "N", defaultValue = "0",
            description = "Only 0: descriptors cannot cross into the VM.")
    int preserveFds;
    @Option(names = "--strict", description = "As kata-runtime --strict: a configuration key this runtime does "
            + "not implement, set, is an error.")
    boolean strict;
    private final ConfigSource config;

    CreateCommand(ConfigSource config, StateStore store) {
        super(store);
        this.config = config;
    }

    @Override
    int run() throws Exception {
        StateStore.checkId(id);
        if (preserveFds != 0) {
            throw new OciCommands.Failure("--preserve-fds: file descriptors cannot be passed into the VM");
        }
        Path dir = store.sandboxDir(id);
        if (Files.exists(dir)) {
            throw new OciCommands.Failure("container " + id + " already exists");
        }
        boolean newNetns;
        try {
            newNetns = OciCommands.wantsNewNetworkNamespace(Bundle.load(bundleDir).spec());
        } catch (BundleException e) {
            throw new OciCommands.Failure(e.getMessage());
        }
        ProcessRelay.check(newNetns);
        List<String> argv = new ArrayList<>(SelfCommand.argv("kata-runtime", KataRuntimeCli.class));
        config.configOption().ifPresent(path -> argv.addAll(List.of("--config", path.toAbsolutePath().toString())));
        if (spec.root().userObject() instanceof KataRuntimeCli cli) {
            argv.addAll(cli.loggingArgs());
        }
        if (strict || config.strictness() == ConfigLoader.Strictness.STRICT) {
            argv.add("--strict"); // the holder loads the configuration
        }
        argv.addAll(List.of("sandbox-holder", "--bundle", bundleDir.toAbsolutePath().toString()));
        if (consoleSocket != null) {
            argv.addAll(List.of("--console-socket", consoleSocket.toAbsolutePath().toString()));
        }
        int relay;
        int holder;
        // Without a terminal the holder's stdout and stderr are the container's (as runc's init inherits
        // them); with one, the container's stdio is the pty, and the holder must not keep ours open.
        TerminalChild.Output terminalOutput = consoleSocket == null ? null : TerminalChild.Output.open();
        // The relay (the pid the caller reaps) and the holder (VM, agent, stdio) talk over two pipes: the exit
        // status to the relay, the signals it gets to the holder. Both are our children; we exit, and the
        // caller, a child subreaper, inherits them.
        try (Pipes.Pipe status = Pipes.pipe(Libc.O_CLOEXEC); Pipes.Pipe signals = Pipes.pipe(Libc.O_CLOEXEC)) {
            relay = ProcessRelay.start("kata-relay:" + id, newNetns, status.read(), signals.write());
            argv.addAll(List.of("--relay-pid", Integer.toString(relay), id));
            List<PosixSpawn.FileAction> actions = new ArrayList<>(List.of(
                    new PosixSpawn.Open(0, Path.of("/dev/null"), Libc.O_RDONLY, 0),
                    new PosixSpawn.Dup2(status.write().get(), ProcessRelay.STATUS_FD),
                    new PosixSpawn.Dup2(signals.read().get(), ProcessRelay.SIGNALS_FD)));
            if (terminalOutput != null) {
                actions.addAll(terminalOutput.asStdoutAndStderr());
            }
            try {
                holder = PosixSpawn.spawn(Path.of(argv.getFirst()), argv, environment(), actions, true, 2);
            } catch (SyscallException e) {
                status.close();
                reap(relay);
                if (terminalOutput != null) {
                    terminalOutput.close();
                }
                throw new OciCommands.Failure("cannot start the sandbox process " + argv.getFirst() + ": "
                        + e.getMessage());
            }
        }
        if (terminalOutput != null) {
            terminalOutput.copyToStderr();
        }
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (true) {
            Optional<ContainerState> state = readQuietly(dir);
            if (state.isPresent() && !ContainerState.CREATING.equals(state.get().status())) {
                if (pidFile != null) {
                    Files.writeString(pidFile, Long.toString(state.get().pid()));
                }
                return 0;
            }
            // Waits on the holder's exit (a pidfd), at most 100 ms, then looks at the state again.
            if (PidFd.awaitExit(holder, Duration.ofMillis(100))) {
                Processes.WaitStatus end = Processes.wait4(holder, 0).orElseThrow();
                reap(relay); // its status pipe ended with the holder
                // The holder printed why on our stderr and cleaned up after itself.
                if (terminalOutput != null) {
                    terminalOutput.drain();
                }
                throw new OciCommands.Failure("container " + id + " was not created (sandbox process exit status "
                        + (end.exited() ? end.exitCode() : 128 + end.termSignal()) + ")", true);
            }
            if (Instant.now().isAfter(deadline)) {
                Processes.kill(holder, Processes.SIGKILL);
                Processes.wait4(holder, 0);
                reap(relay);
                SandboxCleanup.cleanUp(dir);
                throw new OciCommands.Failure("container " + id + " was not ready within "
                        + READY_TIMEOUT.toSeconds() + "s");
            }
        }
    }

    /** The relay exits by itself once the holder's end of its status pipe is closed: collect it. */
    private static void reap(int relay) throws SyscallException {
        if (!PidFd.awaitExit(relay, Duration.ofSeconds(5))) {
            Processes.kill(relay, Processes.SIGKILL);
        }
        Processes.wait4(relay, 0);
    }

    private static List<String> environment() {
        return System.getenv().entrySet().stream().map(entry -> entry.getKey() + "=" + entry.getValue())
                .toList();
    }

    private static Optional<ContainerState> readQuietly(Path dir) {
        try {
            return ContainerState.read(dir);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
