package io.katacontainers.agent.container;

import io.katacontainers.agent.process.Child;
import io.katacontainers.agent.process.Command;
import io.katacontainers.agent.process.Reaper;
import io.katacontainers.agent.process.Redirect;
import io.katacontainers.agent.process.Termination;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ffm.libc.SyscallException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OCI runtime command line ({@code crun} in the guest, {@code runc} on a host): the commands both accept with
 * the same options. The agent's reaper runs every command, so the runtime's exit and the container processes it
 * leaves behind are reaped by the same loop.
 */
final class OciRuntime {
    private static final List<String> ENV =
            List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    private final Path binary;
    private final Path root;
    private final Reaper reaper;
    private final Duration timeout;
    private final AtomicLong invocations = new AtomicLong();
    private final RuntimeErrors errors = new RuntimeErrors(new JsonFiles());

    /** The standard descriptors of a command that passes them on to a container process. */
    record Stdio(Redirect stdin, Redirect stdout, Redirect stderr) {
    }

    /**
     * @param root    the runtime's state directory ({@code --root})
     * @param timeout how long one command may take before it is killed
     */
    OciRuntime(Path binary, Path root, Reaper reaper, Duration timeout) {
        this.binary = binary;
        this.root = root;
        this.reaper = reaper;
        this.timeout = timeout;
    }

    Path binary() {
        return binary;
    }

    /** {@code create}: the container's init waits for {@link #start}. */
    void create(GuestBundle bundle, Optional<Path> consoleSocket, Optional<Stdio> stdio) throws IOException,
            InterruptedException {
        var args = new ArrayList<>(List.of("create", "--bundle", bundle.dir().toString(),
                "--pid-file", bundle.pidFile("").toString()));
        consoleSocket.ifPresent(socket -> args.addAll(List.of("--console-socket", socket.toString())));
        args.add(bundle.containerId());
        run(bundle, args, stdio);
    }

    void start(GuestBundle bundle) throws IOException, InterruptedException {
        run(bundle, List.of("start", bundle.containerId()), Optional.empty());
    }

    /** {@code exec --detach}: the process re-parents to the agent, which reaps it like the container's init. */
    void exec(GuestBundle bundle, String execId, Optional<Path> consoleSocket, Optional<Stdio> stdio)
            throws IOException, InterruptedException {
        var args = new ArrayList<>(List.of("exec", "--detach", "--pid-file", bundle.pidFile(execId).toString(),
                "--process", bundle.processFile(execId).toString()));
        consoleSocket.ifPresent(socket -> args.addAll(List.of("--console-socket", socket.toString())));
        args.add(bundle.containerId());
        run(bundle, args, stdio);
    }

    /** {@code kill [--all]}: every process of the container's cgroup with {@code all}. */
    void kill(GuestBundle bundle, int signal, boolean all) throws IOException, InterruptedException {
        var args = new ArrayList<String>();
        args.add("kill");
        if (all) {
            args.add("--all");
        }
        args.addAll(List.of(bundle.containerId(), Integer.toString(signal)));
        run(bundle, args, Optional.empty());
    }

    /** {@code pause} ({@code true}) or {@code resume}: freezes or thaws the container's cgroup. */
    void freeze(GuestBundle bundle, boolean frozen) throws IOException, InterruptedException {
        run(bundle, List.of(frozen ? "pause" : "resume", bundle.containerId()), Optional.empty());
    }

    /** {@code update --resources}: applies new limits to the container's cgroup. */
    void update(GuestBundle bundle) throws IOException, InterruptedException {
        run(bundle, List.of("update", "--resources", bundle.resourcesFile().toString(), bundle.containerId()),
                Optional.empty());
    }

    /** {@code delete --force}: kills what is left, removes the cgroup and the runtime's state. */
    void delete(GuestBundle bundle) throws IOException, InterruptedException {
        run(bundle, List.of("delete", "--force", bundle.containerId()), Optional.empty());
    }

    private void run(GuestBundle bundle, List<String> command, Optional<Stdio> stdio) throws IOException,
            InterruptedException {
        var args = new ArrayList<>(List.of("--root", root.toString(), "--log", bundle.runtimeLog().toString(),
                "--log-format", "json"));
        args.addAll(command);
        Path output = stdio.isPresent() ? null
                : bundle.dir().resolve("runtime-" + invocations.incrementAndGet() + ".out");
        Redirect out = output == null ? stdio.get().stdout() : new Redirect.File(output);
        Redirect err = output == null ? stdio.get().stderr() : new Redirect.File(output);
        Redirect in = stdio.map(Stdio::stdin).orElse(new Redirect.Null());
        long logOffset = Files.exists(bundle.runtimeLog()) ? Files.size(bundle.runtimeLog()) : 0;
        var invocation = new Command(binary, args, ENV, bundle.dir(), in, out, err);
        try {
            Child child = reaper.spawn(invocation);
            Termination termination = await(child, invocation);
            if (!(termination instanceof Termination.Exited(int code) && code == 0)) {
                String why = errors.explain(bundle.runtimeLog(), logOffset, output);
                throw new OciRuntimeException(binary.getFileName() + " " + command.getFirst() + " "
                        + bundle.containerId() + " failed (" + termination + ")" + (why.isEmpty() ? "" : ": " + why));
            }
        } finally {
            if (output != null) {
                Files.deleteIfExists(output);
            }
        }
    }

    private Termination await(Child child, Command invocation) throws IOException, InterruptedException {
        try {
            return child.exit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (!child.exit().isDone()) {
                try {
                    Processes.kill(child.pid(), Processes.SIGKILL);
                } catch (SyscallException killing) {
                    e.addSuppressed(killing);
                }
            }
            throw new OciRuntimeException("'" + invocation + "' did not finish within " + timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the reaper never fails an exit", e);
        }
    }
}
