package io.katacontainers.runtime.cli;

import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.PidFd;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.PosixSpawn;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.Terminals;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.core.HypervisorDrivers;
import io.katacontainers.runtime.core.SandboxBootstrap;
import io.katacontainers.runtime.io.ConsoleSocket;
import io.katacontainers.runtime.launch.ProcessRelay;
import io.katacontainers.runtime.launch.SelfCommand;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.oci.OciHooks;
import io.katacontainers.runtime.oci.Signals;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.runtime.persist.SandboxLock;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.runtime.sandbox.SandboxCleanup;
import io.katacontainers.runtime.sandbox.SandboxException;
import io.katacontainers.runtime.sandbox.SandboxHolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The runc-like commands where the container outlives the command that made it: {@code create}, {@code start},
 * {@code state}, {@code kill}, {@code delete}, {@code list}, {@code exec}. {@code create} starts a detached
 * sandbox holder ({@link SandboxHolder}) that owns the VM; the others talk to the agent through the holder's
 * control socket, or, when the holder is gone (killed), clean up after it from the state on disk.
 */
final class OciCommands {
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(60);

    private OciCommands() {
    }

    static List<Object> all(ConfigSource config, StateStore store) {
        return List.of(new Create(config, store), new Holder(config, store), new Start(store), new State(store),
                new Kill(store), new Delete(store), new ListContainers(store), new ExecCommand(store));
    }

    /** A failure to report as {@code kata-runtime CMD: message} with exit status 1. */
    static final class Failure extends Exception {
        /** The reason is already in the --log file (written by the sandbox process): log no second error line. */
        final boolean logged;

        Failure(String message) {
            this(message, false);
        }

        Failure(String message, boolean logged) {
            super(message);
            this.logged = logged;
        }
    }

    abstract static class Base implements Callable<Integer> {
        @CommandLine.Spec
        CommandSpec spec;
        final StateStore store;

        Base(StateStore store) {
            this.store = store;
        }

        @Override
        public final Integer call() throws Exception {
            try {
                return run();
            } catch (Failure | IllegalArgumentException | ErrdefsException | AgentException | IOException e) {
                spec.commandLine().getErr().println("kata-runtime " + spec.name() + ": " + e.getMessage());
                if (spec.root().userObject() instanceof KataRuntimeCli cli && !(e instanceof Failure f && f.logged)) {
                    cli.logError(e.getMessage()); // containerd's shim reports the last error line
                }
                return 1;
            }
        }

        abstract int run() throws Exception;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        ContainerState load(String id) throws Failure, IOException {
            Path dir = store.sandboxDir(StateStore.checkId(id));
            return ContainerState.read(dir).orElseThrow(() -> new Failure("container " + id + " does not exist"));
        }

        /** The hooks of the container's bundle; none when the bundle is gone (logged). */
        Optional<io.katacontainers.agent.proto.Hooks> hooks(ContainerState state) {
            try {
                Bundle bundle = Bundle.load(Path.of(state.bundle()));
                return bundle.spec().hasHooks() ? Optional.of(bundle.spec().getHooks()) : Optional.empty();
            } catch (BundleException e) {
                spec.commandLine().getErr().println("kata-runtime " + spec.name() + ": cannot read the hooks of "
                        + state.id() + ": " + e.getMessage());
                return Optional.empty();
            }
        }

        AgentClient connect(String id) throws IOException {
            return AgentClient.connect(store.sandboxDir(id).resolve(ContainerState.CONTROL_SOCKET));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a container in its own VM, ready to be started with 'kata-runtime start'.",
                    "", "The VM is kept by a detached sandbox process until 'kata-runtime delete'; the container's "
                    + "stdout and stderr are this command's, as with runc (stdin is /dev/null)."})
    static final class Create extends Base {
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

        Create(ConfigSource config, StateStore store) {
            super(store);
            this.config = config;
        }

        @Override
        int run() throws Exception {
            StateStore.checkId(id);
            if (preserveFds != 0) {
                throw new Failure("--preserve-fds: file descriptors cannot be passed into the VM");
            }
            Path dir = store.sandboxDir(id);
            if (Files.exists(dir)) {
                throw new Failure("container " + id + " already exists");
            }
            boolean newNetns;
            try {
                newNetns = wantsNewNetworkNamespace(Bundle.load(bundleDir).spec());
            } catch (BundleException e) {
                throw new Failure(e.getMessage());
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
                    throw new Failure("cannot start the sandbox process " + argv.getFirst() + ": " + e.getMessage());
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
                    throw new Failure("container " + id + " was not created (sandbox process exit status "
                            + (end.exited() ? end.exitCode() : 128 + end.termSignal()) + ")", true);
                }
                if (Instant.now().isAfter(deadline)) {
                    Processes.kill(holder, Processes.SIGKILL);
                    Processes.wait4(holder, 0);
                    reap(relay);
                    SandboxCleanup.cleanUp(dir);
                    throw new Failure("container " + id + " was not ready within " + READY_TIMEOUT.toSeconds() + "s");
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

    @Command(name = "sandbox-holder", hidden = true,
            description = "Internal: keeps the sandbox of 'kata-runtime create' alive until 'kata-runtime delete'.")
    static final class Holder extends Base {
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;
        @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", required = true)
        Path bundleDir;
        @Option(names = "--console-socket", paramLabel = "SOCKET")
        Path consoleSocket;
        @Option(names = "--relay-pid", paramLabel = "PID",
                description = "The relay started by create: its status and signal pipes are descriptors 3 and 4.")
        long relayPid;
        private final ConfigSource config;

        Holder(ConfigSource config, StateStore store) {
            super(store);
            this.config = config;
        }

        @Override
        int run() throws Exception {
            Bundle bundle;
            try {
                bundle = Bundle.load(bundleDir);
            } catch (BundleException e) {
                throw new Failure(e.getMessage());
            }
            boolean terminal = bundle.spec().getProcess().getTerminal();
            if (terminal && consoleSocket == null) {
                throw new Failure("cannot allocate tty if runc will detach without setting console socket "
                        + "(process.terminal is true: pass --console-socket)");
            }
            if (!terminal && consoleSocket != null) {
                throw new Failure("cannot use console socket if runc will not detach or allocate tty "
                        + "(process.terminal is false)");
            }
            Optional<ProcessRelay.HolderEnds> relay = relayPid > 0 ? Optional.of(ProcessRelay.HolderEnds.inherited())
                    : Optional.empty();
            SandboxBootstrap bootstrap = SandboxBootstrap.plan(id, bundle.spec(), config.lookup(),
                    config.strictness(), HypervisorDrivers.installed());
            if (relayPid > 0 && wantsNewNetworkNamespace(bundle.spec())) {
                // The relay is in the new namespace the spec asks for: the prestart hooks set it up (Docker's
                // network), and the sandbox scans it after them, as Kata does.
                bootstrap = bootstrap.withNetworkNamespace(Path.of("/proc", Long.toString(relayPid), "ns", "net"));
            }
            Path dir = bootstrap.claimDir(store, SandboxBootstrap.StaleDir.REFUSE);
            ProcessHandle self = ProcessHandle.current();
            ContainerState state = new ContainerState(id, bundle.dir().toAbsolutePath().toString(),
                    bundle.rootfs().toAbsolutePath().toString(), ContainerState.CREATING, self.pid(),
                    self.info().startInstant().map(Instant::toEpochMilli).orElse(0L), 0, ContainerState.now(), null,
                    bundle.spec().getAnnotationsMap(), relayPid);
            Sandbox sandbox = null;
            boolean hooksRan = false;
            try {
                state.write(dir);
                // The runtime spec's order, and Kata's: prestart, then createRuntime, both before the VM and the
                // scan of the network namespace (Docker sets the container's network up in a prestart hook).
                hooksRan = bundle.spec().hasHooks();
                String creating = hookState(state, ContainerState.CREATING);
                OciHooks.run(bundle.spec().getHooks(), OciHooks.Stage.PRESTART, creating);
                OciHooks.run(bundle.spec().getHooks(), OciHooks.Stage.CREATE_RUNTIME, creating);
                sandbox = bootstrap.boot(dir);
                Sandbox own = sandbox;
                Runtime.getRuntime().addShutdownHook(new Thread(own::close));
                state = state.withVmmPid(sandbox.vm().vmmPid());
                state.write(dir);
                sandbox.createContainer(id, bundle.spec(), bundle.rootfs(), Optional.of(bundle.dir()));
                SandboxHolder holder = new SandboxHolder(sandbox, id, dir, state, relay);
                if (consoleSocket != null) {
                    var box = bundle.spec().getProcess().getConsoleSize();
                    ConsoleSocket console = ConsoleSocket.handOver(consoleSocket, box.getHeight() > 0
                            ? Optional.of(new Terminals.WindowSize(box.getHeight(), box.getWidth()))
                            : Optional.empty());
                    holder.serve(new GuestProcess.Stdio(true, console.input(), console.output(), console.output()));
                    console.onResize(size -> holder.resize(size.rows(), size.columns()));
                } else {
                    holder.serve(new GuestProcess.Stdio(false, new ByteArrayInputStream(new byte[0]), System.out,
                            System.err));
                }
                return holder.awaitShutdown();
            } catch (SandboxException | OciHooks.HookException | IOException | RuntimeException e) {
                if (sandbox != null) {
                    sandbox.close();
                }
                SandboxCleanup.cleanUp(dir);
                relay.ifPresent(ends -> ends.exit(255));
                if (hooksRan) {
                    // A create that fails after its prestart hooks goes on to delete, whose poststop hooks undo
                    // what they set up (the runtime spec's life cycle, as runc does).
                    OciHooks.runWarning(bundle.spec().getHooks(), OciHooks.Stage.POSTSTOP,
                            hookState(state, ContainerState.STOPPED));
                }
                throw new Failure(e.getMessage());
            }
        }
    }

    /** A spec with a network namespace but no path asks for a new one, which the relay gets. */
    static boolean wantsNewNetworkNamespace(io.katacontainers.agent.proto.Spec spec) {
        return spec.hasLinux() && spec.getLinux().getNamespacesList().stream()
                .anyMatch(ns -> ns.getType().equals("network") && ns.getPath().isEmpty());
    }

    /** The state a hook reads on its stdin: the runtime spec's state with the status of the hook's moment. */
    static String hookState(ContainerState state, String status) throws IOException {
        java.util.Map<String, Object> oci = new java.util.LinkedHashMap<>(state.toOci());
        oci.put("status", status);
        oci.put("pid", ContainerState.STOPPED.equals(status) ? 0 : state.pid());
        oci.remove("rootfs");
        oci.remove("created");
        oci.remove("owner");
        return ContainerState.toJson(oci).replaceAll("\\s*\\n\\s*", "");
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start the process of a container made by 'kata-runtime create'.")
    static final class Start extends Base {
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;

        Start(StateStore store) {
            super(store);
        }

        @Override
        int run() throws Exception {
            ContainerState state = load(id);
            String status = state.effectiveStatus();
            if (!ContainerState.CREATED.equals(status)) {
                throw new Failure("cannot start a container that is " + status);
            }
            try (AgentClient agent = connect(id)) {
                agent.startContainer(id);
            }
            Optional<io.katacontainers.agent.proto.Hooks> hooks = hooks(state);
            if (hooks.isPresent()) {
                OciHooks.runWarning(hooks.get(), OciHooks.Stage.POSTSTART,
                        hookState(state, ContainerState.RUNNING));
            }
            return 0;
        }
    }

    @Command(name = "state", mixinStandardHelpOptions = true,
            description = "Print the state of a container as JSON, as runc does.")
    static final class State extends Base {
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;

        State(StateStore store) {
            super(store);
        }

        @Override
        int run() throws Exception {
            out().println(ContainerState.toJson(load(id).toOci()));
            return 0;
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true,
            description = {"Send a signal (default SIGTERM) to a container's process.",
                    "", "When the sandbox process is gone, KILL still stops the VM."})
    static final class Kill extends Base {
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;
        @Parameters(index = "1", paramLabel = "SIGNAL", defaultValue = "SIGTERM",
                description = "A name (TERM, SIGKILL) or number (default: ${DEFAULT-VALUE}).")
        String signal;
        @Option(names = {"-a", "--all"}, description = "Signal every process of the container (the init process "
                + "of its PID namespace: KILL takes all of them with it).")
        boolean all;

        Kill(StateStore store) {
            super(store);
        }

        @Override
        int run() throws Exception {
            int number = Signals.parse(signal);
            Path dir = store.sandboxDir(StateStore.checkId(id));
            Optional<SandboxLock> lock = SandboxLock.acquire(dir);
            if (lock.isEmpty()) {
                throw new Failure("container " + id + " does not exist");
            }
            try (SandboxLock held = lock.get()) {
                ContainerState state = load(id);
                if (!state.holderAlive()) {
                    if (number == Processes.SIGKILL) {
                        SandboxCleanup.killProcesses(dir);
                        return 0;
                    }
                    throw new Failure("container " + id + " is not running");
                }
                if (ContainerState.STOPPED.equals(state.status())) {
                    throw new Failure("container " + id + " is not running");
                }
                try (AgentClient agent = connect(id)) {
                    agent.signalProcess(id, all ? GuestProcess.ALL_PROCESSES : id, number);
                }
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = {"Delete a container and its VM.",
                    "", "A running container is refused unless --force, which kills it first. Works when the sandbox "
                    + "process is gone too: then the VM, virtiofsd, mounts and state are removed here."})
    static final class Delete extends Base {
        private static final Duration HOLDER_EXIT = Duration.ofSeconds(30);
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;
        @Option(names = {"-f", "--force"}, description = "Kill a running container; no error if it does not exist.")
        boolean force;

        Delete(StateStore store) {
            super(store);
        }

        @Override
        int run() throws Exception {
            Path dir = store.sandboxDir(StateStore.checkId(id));
            Optional<SandboxLock> lock = Files.isDirectory(dir) ? SandboxLock.acquire(dir) : Optional.empty();
            if (lock.isEmpty()) {
                if (force) {
                    return 0;
                }
                throw new Failure("container " + id + " does not exist");
            }
            Optional<ContainerState> state;
            try (SandboxLock held = lock.get()) {
                state = ContainerState.read(dir);
                if (state.isEmpty() && !force) {
                    throw new Failure("container " + id + " has no state (is it a 'kata-runtime run'?); "
                            + "use --force to remove it");
                }
                if (state.isPresent() && state.get().holderAlive()) {
                    if (ContainerState.RUNNING.equals(state.get().status()) && !force) {
                        throw new Failure("cannot delete container " + id + " that is not stopped: "
                                + "stop it first or use --force");
                    }
                    shutDownHolder(state.get());
                }
                SandboxCleanup.cleanUp(dir);
            }
            // The container is gone: its poststop hooks run now, before delete returns (failures are warnings).
            Optional<io.katacontainers.agent.proto.Hooks> hooks = state.isPresent() ? hooks(state.get())
                    : Optional.empty();
            if (hooks.isPresent()) {
                OciHooks.runWarning(hooks.get(), OciHooks.Stage.POSTSTOP,
                        hookState(state.get(), ContainerState.STOPPED));
            }
            return 0;
        }

        private void shutDownHolder(ContainerState state) throws InterruptedException {
            try (AgentClient agent = connect(id)) {
                agent.callEmpty(SandboxHolder.SERVICE, "Shutdown", CONTROL_TIMEOUT);
            } catch (IOException | AgentException e) {
                spec.commandLine().getErr().println("kata-runtime delete: the sandbox process did not shut down ("
                        + e.getMessage() + "); killing it");
            }
            Optional<ProcessHandle> holder = ProcessHandle.of(state.holderPid()).filter(p -> state.holderAlive());
            if (holder.isPresent() && !SandboxCleanup.awaitExit(holder.get().pid(), HOLDER_EXIT)) {
                holder.get().destroyForcibly();
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the containers made by 'kata-runtime create'.")
    static final class ListContainers extends Base {
        @Option(names = {"-f", "--format"}, defaultValue = "table", paramLabel = "FORMAT",
                description = "table or json (default: ${DEFAULT-VALUE}).")
        String format;
        @Option(names = {"-q", "--quiet"}, description = "Print only the ids.")
        boolean quiet;

        ListContainers(StateStore store) {
            super(store);
        }

        @Override
        int run() throws Exception {
            List<java.util.Map<String, Object>> states = new ArrayList<>();
            Path root = store.root();
            if (Files.isDirectory(root)) {
                try (var dirs = Files.list(root)) {
                    for (Path dir : dirs.sorted().toList()) {
                        try {
                            ContainerState.read(dir).ifPresent(state -> states.add(state.toOci()));
                        } catch (IOException e) {
                            // being written or removed right now: skip it
                        }
                    }
                }
            }
            PrintWriter out = out();
            if (quiet) {
                states.forEach(state -> out.println(state.get("id")));
            } else if (format.equals("json")) {
                out.println(ContainerState.toJson(states));
            } else if (format.equals("table")) {
                String row = "%-20s %-8s %-8s %-40s %-32s %s%n";
                out.printf(row, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
                for (var state : states) {
                    out.printf(row, state.get("id"), state.get("pid"), state.get("status"), state.get("bundle"),
                            state.get("created"), state.get("owner"));
                }
            } else {
                throw new Failure("unknown format '" + format + "': use table or json");
            }
            out.flush();
            return 0;
        }
    }
}
