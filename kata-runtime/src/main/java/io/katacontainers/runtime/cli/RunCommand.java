package io.katacontainers.runtime.cli;

import io.katacontainers.agent.proto.Box;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.core.HypervisorDrivers;
import io.katacontainers.runtime.core.SandboxBootstrap;
import io.katacontainers.runtime.io.HostTerminal;
import io.katacontainers.runtime.io.SignalForwarder;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.runtime.sandbox.SandboxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code kata-runtime run}: like {@code runc run}, but the container gets a VM of its own. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Create and run a container in its own VM, attached to this terminal.",
                "", "Stdin, stdout and stderr are the container's (a terminal when config.json asks for one); "
                + "signals sent to this command go to the container's process; the exit status is the "
                + "container's (128+N when signal N killed it). The VM is gone when the command returns."},
        footer = {"", "Example:", "  kata-runtime run --bundle /path/to/bundle mycontainer"})
public final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONTAINER_ID",
            description = "A name for the container, unique on this host.")
    private String id;

    @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", defaultValue = ".",
            description = "The OCI bundle: a directory with config.json and the root filesystem "
                    + "(default: the current directory).")
    private Path bundleDir;

    @Option(names = "--strict", description = "As kata-runtime --strict: a configuration key this runtime does not "
            + "implement, set, is an error.")
    private boolean strict;

    @Option(names = {"-d", "--detach"}, description = "runc's run -d: create and start the container, then return "
            + "(as 'kata-runtime create' then 'start'; delete it with 'kata-runtime delete').")
    private boolean detach;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the pid of the process that stands for "
            + "the container on the host to FILE.")
    private Path pidFile;

    @Option(names = "--console-socket", paramLabel = "SOCKET",
            description = "With --detach and process.terminal: send the master of the container's terminal to this "
                    + "unix socket, as 'create' does.")
    private Path consoleSocket;

    @Option(names = "--no-pivot", description = "Accepted, as by create.")
    private boolean noPivot;

    @Option(names = "--no-new-keyring", description = "Accepted, as by create.")
    private boolean noNewKeyring;

    @Option(names = "--preserve-fds", paramLabel = "N", defaultValue = "0",
            description = "Only 0: descriptors cannot cross into the VM.")
    private int preserveFds;

    private final ConfigSource configSource;
    private final StateStore store;

    RunCommand(ConfigSource configSource, StateStore store) {
        this.configSource = configSource;
        this.store = store;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if ((consoleSocket != null && !detach) || preserveFds != 0) {
            err.println("kata-runtime run: " + (consoleSocket != null ? "--console-socket needs --detach (attached, "
                    + "the terminal is this command's own)"
                    : "--preserve-fds: file descriptors cannot be passed into the VM"));
            return 1;
        }
        if (detach) {
            return createAndStart();
        }
        if (pidFile != null) {
            java.nio.file.Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
        }
        Bundle bundle;
        SandboxBootstrap bootstrap;
        Path runDir;
        try {
            StateStore.checkId(id);
            bundle = Bundle.load(bundleDir);
            bootstrap = SandboxBootstrap.plan(id, bundle.spec(), configSource.lookup(),
                    strict ? ConfigLoader.Strictness.STRICT : configSource.strictness(),
                    HypervisorDrivers.installed());
            runDir = bootstrap.claimDir(store, SandboxBootstrap.StaleDir.REFUSE);
        } catch (BundleException | ErrdefsException | IllegalArgumentException | IOException e) {
            err.println("kata-runtime run: " + e.getMessage());
            return 1;
        }
        try {
            return run(bootstrap, bundle, runDir);
        } catch (SandboxException | AgentException e) {
            err.println("kata-runtime run: " + e.getMessage());
            return 1;
        } finally {
            store.remove(id);
        }
    }

    /** {@code run -d}: {@code create} then {@code start}; a container that cannot start is deleted again. */
    private int createAndStart() {
        CommandLine root = spec.root().commandLine();
        java.util.List<String> create = new java.util.ArrayList<>(java.util.List.of("--bundle", bundleDir.toString()));
        if (pidFile != null) {
            create.addAll(java.util.List.of("--pid-file", pidFile.toString()));
        }
        if (consoleSocket != null) {
            create.addAll(java.util.List.of("--console-socket", consoleSocket.toString()));
        }
        create.add(id);
        int status = root.getSubcommands().get("create").execute(create.toArray(String[]::new));
        if (status != 0) {
            return status;
        }
        status = root.getSubcommands().get("start").execute(id);
        if (status != 0) {
            root.getSubcommands().get("delete").execute("--force", id);
        }
        return status;
    }

    private int run(SandboxBootstrap bootstrap, Bundle bundle, Path runDir)
            throws SandboxException, AgentException, IOException, InterruptedException {
        boolean terminal = bundle.spec().getProcess().getTerminal();
        Spec containerSpec = terminal ? withConsoleSize(bundle.spec()) : bundle.spec();
        try (Sandbox sandbox = bootstrap.boot(runDir)) {
            sandbox.createContainer(id, containerSpec, bundle.rootfs(), Optional.of(bundle.dir()));
            Optional<HostTerminal> raw = terminal ? HostTerminal.rawIfTerminal() : Optional.empty();
            try {
                GuestProcess process = GuestProcess.init(sandbox.agent(), id,
                        new GuestProcess.Stdio(terminal, System.in, System.out, System.err));
                process.start();
                SignalForwarder.install(signal -> forward(process, signal));
                if (terminal) {
                    SignalForwarder.onWindowChange(() -> resize(process));
                }
                return process.awaitEnd().status();
            } finally {
                if (raw.isPresent()) {
                    raw.get().close();
                }
            }
        }
    }

    private Spec withConsoleSize(Spec spec) {
        return HostTerminal.size()
                .map(size -> spec.toBuilder().setProcess(spec.getProcess().toBuilder()
                        .setConsoleSize(Box.newBuilder().setHeight(size[0]).setWidth(size[1]))).build())
                .orElse(spec);
    }

    private void forward(GuestProcess process, int signal) {
        try {
            process.signal(signal, false);
        } catch (AgentException e) {
            spec.commandLine().getErr().println("kata-runtime run: cannot forward signal " + signal + ": "
                    + e.getMessage());
        }
    }

    private void resize(GuestProcess process) {
        HostTerminal.size().ifPresent(size -> {
            try {
                process.resize(size[0], size[1]);
            } catch (AgentException e) {
                spec.commandLine().getErr().println("kata-runtime run: cannot resize the terminal: "
                        + e.getMessage());
            }
        });
    }
}
