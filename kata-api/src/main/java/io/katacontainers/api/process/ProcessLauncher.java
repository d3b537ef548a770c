package io.katacontainers.api.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts the host processes of one VM (the VMM, virtiofsd) so that none outlives it: each is tracked until
 * {@link #close()} reaps it, and each gets SIGKILL from the kernel if this JVM dies first.
 * <p>
 * The kernel delivers the parent-death signal ({@code PR_SET_PDEATHSIG}, set here by {@code setpriv
 * --pdeathsig} before it execs the command) when the <em>thread</em> that forked the child exits, not the
 * process. A child forked from a caller's thread (a pool thread, a virtual thread's carrier) would be killed
 * whenever that thread retires. So every fork happens on one platform thread owned by this launcher, which
 * lives until {@link #close()} has reaped every child.
 */
public final class ProcessLauncher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProcessLauncher.class.getName());

    private final Optional<Path> setpriv;
    private final ExecutorService forker;
    private final List<ChildProcess> children = new ArrayList<>();
    private boolean closed;

    /**
     * @param setpriv util-linux {@code setpriv}, or empty to start children without a parent-death signal
     * @param name names the forking thread, for thread dumps
     * @throws IllegalArgumentException when {@code setpriv} is given but is not an executable file
     */
    public ProcessLauncher(Optional<Path> setpriv, String name) {
        setpriv.filter(path -> !Files.isExecutable(path)).ifPresent(path -> {
            throw new IllegalArgumentException(path + " is not an executable file; install util-linux, which "
                    + "provides setpriv");
        });
        this.setpriv = setpriv;
        // The thread starts with the first launch, so a launcher that never launches costs nothing.
        this.forker = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("fork-" + name).daemon().factory());
    }

    /** The first executable file named {@code program} in a directory of {@code $PATH}. */
    public static Optional<Path> findOnPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Arrays.stream(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** The command as it will be executed: behind {@code setpriv --pdeathsig SIGKILL} when available. */
    List<String> wrap(List<String> command) {
        if (setpriv.isEmpty()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(setpriv.get().toString(), "--pdeathsig", "SIGKILL", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Starts {@code command} with stdin from /dev/null and stdout and stderr appended to {@code log}.
     *
     * @throws IOException when it cannot be started; the message names it
     * @throws IllegalStateException after {@link #close()}
     */
    public synchronized ChildProcess launch(String name, List<String> command, Path log) throws IOException {
        if (closed) {
            throw new IllegalStateException("launcher closed, not starting " + name);
        }
        ProcessBuilder builder = new ProcessBuilder(wrap(command))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process process = forkOnLauncherThread(name, command, builder);
        ChildProcess child = new ChildProcess(name, process, log);
        children.add(child);
        LOG.log(System.Logger.Level.DEBUG, () -> "started " + child + ": " + String.join(" ", builder.command()));
        return child;
    }

    /**
     * Waits for the fork without giving up on interrupts: a fork in flight would otherwise produce an untracked
     * child. The interrupt is restored for the caller to notice.
     */
    private Process forkOnLauncherThread(String name, List<String> command, ProcessBuilder builder)
            throws IOException {
        Future<Process> started = forker.submit(builder::start);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return started.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) {
                        throw new IOException("cannot start " + name + " (" + command.getFirst() + "): "
                                + io.getMessage(), io);
                    }
                    throw new IllegalStateException("starting " + name + " failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Every process this launcher started, running or not, in start order. */
    public synchronized List<ChildProcess> children() {
        return List.copyOf(children);
    }

    /**
     * SIGKILLs every child still running, last started first, waits until each is reaped, then ends the forking
     * thread. Idempotent.
     *
     * @throws IllegalStateException when a child survives SIGKILL; the others are still killed and reaped
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        for (ChildProcess child : children.reversed()) {
            try {
                if (child.isAlive()) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "killing " + child);
                    child.kill();
                }
            } catch (IllegalStateException e) {
                failures.add(e);
            }
        }
        forker.shutdown();
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("some children could not be reaped");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }
}
