package io.katacontainers.runtime.cli;

import io.katacontainers.agent.proto.Box;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.core.GuestProcess;
import io.katacontainers.runtime.io.HostTerminal;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.BundleException;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.runtime.persist.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/** {@code kata-runtime exec}: runs another process in a container made by {@code create}, attached to this command. */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = {"Run another process in a container; its stdio is this command's, its exit status is "
                + "returned."},
        footer = {"", "Example:", "  kata-runtime exec mycontainer -- ps"})
final class ExecCommand extends OciCommands.Base {
    @Parameters(index = "0", paramLabel = "CONTAINER_ID")
    String id;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND")
    List<String> command;
    @Option(names = {"-t", "--tty"}, description = "Allocate a terminal.")
    boolean tty;
    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory in the container.")
    String cwd;
    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Add an environment variable.")
    List<String> env = new ArrayList<>();

    ExecCommand(StateStore store) {
        super(store);
    }

    @Override
    int run() throws Exception {
        ContainerState state = load(id);
        String status = state.effectiveStatus();
        if (!ContainerState.RUNNING.equals(status) && !ContainerState.CREATED.equals(status)) {
            throw new OciCommands.Failure("cannot exec in a container that is " + status);
        }
        Process template;
        try {
            template = Bundle.load(Path.of(state.bundle())).spec().getProcess();
        } catch (BundleException e) {
            throw new OciCommands.Failure(e.getMessage());
        }
        Process.Builder process = template.toBuilder().clearArgs().addAllArgs(command).setTerminal(tty)
                .clearConsoleSize();
        env.forEach(process::addEnv);
        if (cwd != null) {
            process.setCwd(cwd);
        }
        if (tty) {
            HostTerminal.size().ifPresent(size -> process.setConsoleSize(
                    Box.newBuilder().setHeight(size[0]).setWidth(size[1])));
        }
        String execId = "exec-" + HexFormat.of().formatHex(
                ByteBuffer.allocate(8).putLong(ThreadLocalRandom.current().nextLong()).array());
        try (AgentClient agent = connect(id)) {
            Optional<HostTerminal> raw = Optional.empty();
            try {
                GuestProcess exec = GuestProcess.exec(agent, id, execId, process.build(),
                        new GuestProcess.Stdio(tty, System.in, System.out, System.err));
                raw = tty ? HostTerminal.rawIfTerminal() : Optional.empty();
                return exec.awaitEnd().status();
            } finally {
                if (raw.isPresent()) {
                    raw.get().close();
                }
            }
        }
    }
}
