package io.katacontainers.agent.container;

import io.katacontainers.agent.io.ConsoleSocket;
import io.katacontainers.agent.io.PipeIo;
import io.katacontainers.agent.io.GuestProcessIo;
import io.katacontainers.agent.io.TerminalIo;
import io.katacontainers.agent.process.Reaper;
import io.katacontainers.agent.proto.Box;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.ffm.libc.Terminals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts a container's init ({@code create}) or an extra process ({@code exec}) through the OCI runtime with the
 * right standard streams: pipes handed through the runtime, or a terminal whose master comes back over a console
 * socket. Then it adopts the pid the runtime wrote, so the agent's reaper reports its exit.
 */
final class OciProcessLauncher {
    private final OciRuntime runtime;
    private final Reaper reaper;
    private final Path consoleDir;
    private final AtomicLong consoles = new AtomicLong();

    /** What the runtime is asked to do once the streams exist. */
    @FunctionalInterface
    private interface RuntimeCall {
        void run(Optional<Path> consoleSocket, Optional<OciRuntime.Stdio> stdio) throws IOException,
                InterruptedException;
    }

    /**
     * @param consoleDir where console sockets are created: keep it short, a socket path has at most 107 bytes
     */
    OciProcessLauncher(OciRuntime runtime, Reaper reaper, Path consoleDir) {
        this.runtime = runtime;
        this.reaper = reaper;
        this.consoleDir = consoleDir;
    }

    /** Creates the container; its init process waits for {@code start}. */
    ContainerProcess create(GuestBundle bundle, Process process) throws IOException,
            InterruptedException {
        return launch(bundle, "", process, (console, stdio) -> runtime.create(bundle, console, stdio));
    }

    /** Runs {@code process} in the running container. */
    ContainerProcess exec(GuestBundle bundle, String execId, Process process)
            throws IOException, InterruptedException {
        return launch(bundle, execId, process, (console, stdio) -> runtime.exec(bundle, execId, console, stdio));
    }

    private ContainerProcess launch(GuestBundle bundle, String execId, Process process,
                                    RuntimeCall call) throws IOException, InterruptedException {
        String name = bundle.containerId() + (execId.isEmpty() ? "" : "/" + execId);
        long startedAt = System.nanoTime();
        Files.deleteIfExists(bundle.pidFile(execId));
        GuestProcessIo io = process.getTerminal() ? withTerminal(name, process.getConsoleSize(), call)
                : withPipes(name, call);
        try {
            int pid = Integer.parseInt(Files.readString(bundle.pidFile(execId)).strip());
            var exit = reaper.adopt(pid, startedAt);
            io.start();
            return new ContainerProcess(execId, pid, io, exit);
        } catch (IOException | RuntimeException e) {
            io.close();
            throw e;
        }
    }

    private GuestProcessIo withPipes(String name, RuntimeCall call) throws IOException, InterruptedException {
        PipeIo pipes = PipeIo.create(name);
        try {
            call.run(Optional.empty(),
                    Optional.of(new OciRuntime.Stdio(pipes.childStdin(), pipes.childStdout(), pipes.childStderr())));
            pipes.releaseChildEnds();
            return pipes;
        } catch (IOException | InterruptedException | RuntimeException e) {
            pipes.close();
            throw e;
        }
    }

    private GuestProcessIo withTerminal(String name, Box size, RuntimeCall call)
            throws IOException, InterruptedException {
        Files.createDirectories(consoleDir);
        try (var console = ConsoleSocket.listen(consoleDir.resolve(consoles.incrementAndGet() + ".sock"))) {
            call.run(Optional.of(console.path()), Optional.empty());
            TerminalIo terminal = TerminalIo.of(name, console.receiveMaster());
            if (size.getHeight() > 0 && size.getWidth() > 0) {
                try {
                    terminal.resize(new Terminals.WindowSize(size.getHeight(), size.getWidth()));
                } catch (IOException | RuntimeException e) {
                    terminal.close();
                    throw e;
                }
            }
            return terminal;
        }
    }
}
