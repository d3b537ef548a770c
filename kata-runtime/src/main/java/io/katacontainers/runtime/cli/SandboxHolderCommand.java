package io.katacontainers.runtime.cli;

import io.katacontainers.runtime.cgroup.CgroupMounts;
import io.katacontainers.runtime.cgroup.SandboxCgroup;

import io.katacontainers.ffm.libc.Terminals;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.core.HypervisorDrivers;
import io.katacontainers.runtime.core.SandboxBootstrap;
import io.katacontainers.runtime.io.ConsoleSocket;
import io.katacontainers.runtime.launch.ProcessRelay;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.oci.OciHooks;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.runtime.sandbox.SandboxCleanup;
import io.katacontainers.runtime.sandbox.SandboxException;
import io.katacontainers.runtime.sandbox.SandboxHolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/** The hidden {@code sandbox-holder} command: the detached process that keeps a created container's VM. */
@Command(name = "sandbox-holder", hidden = true,
        description = "Internal: keeps the sandbox of 'kata-runtime create' alive until 'kata-runtime delete'.")
final class SandboxHolderCommand extends OciCommands.Base {
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

    SandboxHolderCommand(ConfigSource config, StateStore store) {
        super(store);
        this.config = config;
    }

    @Override
    int run() throws Exception {
        Bundle bundle;
        try {
            bundle = Bundle.load(bundleDir);
        } catch (BundleException e) {
            throw new OciCommands.Failure(e.getMessage());
        }
        boolean terminal = bundle.spec().getProcess().getTerminal();
        if (terminal && consoleSocket == null) {
            throw new OciCommands.Failure("cannot allocate tty if runc will detach without setting console socket "
                    + "(process.terminal is true: pass --console-socket)");
        }
        if (!terminal && consoleSocket != null) {
            throw new OciCommands.Failure("cannot use console socket if runc will not detach or allocate tty "
                    + "(process.terminal is false)");
        }
        Optional<ProcessRelay.HolderEnds> relay = relayPid > 0 ? Optional.of(ProcessRelay.HolderEnds.inherited())
                : Optional.empty();
        SandboxBootstrap bootstrap = SandboxBootstrap.plan(id, bundle.spec(), config.lookup(),
                config.strictness(), HypervisorDrivers.installed());
        if (relayPid > 0 && OciCommands.wantsNewNetworkNamespace(bundle.spec())) {
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
            String creating = OciCommands.hookState(state, ContainerState.CREATING);
            OciHooks.run(bundle.spec().getHooks(), OciHooks.Stage.PRESTART, creating);
            OciHooks.run(bundle.spec().getHooks(), OciHooks.Stage.CREATE_RUNTIME, creating);
            sandbox = bootstrap.boot(dir);
            if (relayPid > 0 && bootstrap.config().runtime().sandboxCgroupOnly()) {
                // This process joined the sandbox cgroup; the pid the caller holds for the container follows.
                SandboxCgroup.addToOwnCgroups(relayPid, CgroupMounts.live());
            }
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
                        OciCommands.hookState(state, ContainerState.STOPPED));
            }
            throw new OciCommands.Failure(e.getMessage());
        }
    }
}
