package io.katacontainers.runtime.cli;

import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.oci.OciHooks;
import io.katacontainers.runtime.oci.Signals;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.runtime.persist.SandboxLock;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.SandboxCleanup;
import io.katacontainers.runtime.sandbox.SandboxHolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(60);

    private OciCommands() {
    }

    static List<Object> all(ConfigSource config, StateStore store) {
        return List.of(new CreateCommand(config, store), new SandboxHolderCommand(config, store), new Start(store),
                new State(store), new Kill(store), new Delete(store), new ListContainers(store),
                new ExecCommand(store));
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
