package io.katacontainers.runtime.cli;

import io.katacontainers.agent.proto.Box;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.config.ConfigException;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.io.HostTerminal;
import io.katacontainers.runtime.io.ProcessIo;
import io.katacontainers.runtime.io.SignalForwarder;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.HypervisorDrivers;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.runtime.sandbox.SandboxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(10);

    @CommandLine.Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONTAINER_ID",
            description = "A name for the container, unique on this host.")
    private String id;

    @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", defaultValue = ".",
            description = "The OCI bundle: a directory with config.json and the root filesystem "
                    + "(default: the current directory).")
    private Path bundleDir;

    private final ConfigSource configSource;
    private final StateStore store;

    RunCommand(ConfigSource configSource, StateStore store) {
        this.configSource = configSource;
        this.store = store;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        KataConfig config;
        Bundle bundle;
        try {
            StateStore.checkId(id);
            config = ConfigLoader.load(configSource.lookup());
            bundle = Bundle.load(bundleDir);
        } catch (ConfigException | BundleException | IllegalArgumentException e) {
            err.println("kata-runtime run: " + e.getMessage());
            return 1;
        }
        Optional<HypervisorDriver> driver = HypervisorDrivers.find(config.hypervisor().hypervisorName());
        if (driver.isEmpty()) {
            err.println("kata-runtime run: no driver for hypervisor '" + config.hypervisor().hypervisorName()
                    + "' is installed (available: " + HypervisorDrivers.names() + ")");
            return 1;
        }
        Path runDir = store.sandboxDir(id);
        if (Files.exists(runDir)) {
            err.println("kata-runtime run: container " + id + " already exists (" + runDir + "); "
                    + "remove it with: kata-runtime delete --force " + id);
            return 1;
        }
        try {
            return run(config, bundle, driver.get(), runDir);
        } catch (SandboxException | AgentException e) {
            err.println("kata-runtime run: " + e.getMessage());
            return 1;
        } finally {
            store.remove(id);
        }
    }

    private int run(KataConfig config, Bundle bundle, HypervisorDriver driver, Path runDir)
            throws SandboxException, AgentException, IOException, InterruptedException {
        boolean terminal = bundle.spec().getProcess().getTerminal();
        Spec containerSpec = terminal ? withConsoleSize(bundle.spec()) : bundle.spec();
        String hostname = containerSpec.getHostname().isEmpty() ? id : containerSpec.getHostname();
        try (Sandbox sandbox = Sandbox.start(id, hostname, config, driver, runDir)) {
            sandbox.createContainer(id, containerSpec, bundle.rootfs());
            Optional<HostTerminal> raw = terminal ? HostTerminal.rawIfTerminal() : Optional.empty();
            try {
                ProcessIo io = ProcessIo.attach(sandbox.agent(), id, initExecId(), terminal, System.in, System.out,
                        System.err);
                sandbox.agent().startContainer(id);
                SignalForwarder.install(signal -> forward(sandbox, signal));
                if (terminal) {
                    SignalForwarder.onWindowChange(() -> resize(sandbox));
                }
                int status = sandbox.agent().waitProcess(id, initExecId());
                io.awaitOutput(OUTPUT_DRAIN);
                return status;
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

    /** The agent names a container's own process by the exec id CreateContainer gave it: the container's id. */
    private String initExecId() {
        return id;
    }

    private void forward(Sandbox sandbox, int signal) {
        try {
            sandbox.agent().signalProcess(id, initExecId(), signal);
        } catch (AgentException e) {
            spec.commandLine().getErr().println("kata-runtime run: cannot forward signal " + signal + ": "
                    + e.getMessage());
        }
    }

    private void resize(Sandbox sandbox) {
        HostTerminal.size().ifPresent(size -> {
            try {
                sandbox.agent().resizeTty(id, initExecId(), size[0], size[1]);
            } catch (AgentException e) {
                spec.commandLine().getErr().println("kata-runtime run: cannot resize the terminal: "
                        + e.getMessage());
            }
        });
    }
}
