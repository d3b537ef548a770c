package io.katacontainers.runtime.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.agent.proto.Box;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.containerd.task.ExecProcessRequest;
import io.katacontainers.containerd.types.Status;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.oci.OciSpecException;
import io.katacontainers.oci.OciSpecJson;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.core.GuestProcess;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A container's init process or an exec'd process as the task service tracks it, and its state machine (as
 * containerd's {@code process/init_state.go}): each {@link State} allows its own moves and refuses the others with
 * FAILED_PRECONDITION. The process's monitor guards its state and stdio; only this class takes it, and it is held
 * across a start so that a ResizePty comes either before the start (and sizes the exec's spec) or after it.
 */
final class ShimProcess {
    private static final System.Logger LOG = System.getLogger(ShimProcess.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a process ended; the exit time is when the shim learned of it. */
    record Exit(int status, Instant at) {
    }

    /** Hears of every exit once, before any waiter does (the task service publishes TaskExit). */
    @FunctionalInterface
    interface ExitListener {
        void exited(ShimProcess process, Exit exit, boolean outputComplete);
    }

    /** A call into the agent that a transition makes. */
    @FunctionalInterface
    interface AgentCall {
        void run() throws AgentException, IOException;
    }

    /** The states of a process; {@link #DELETED} is containerd's deleted state, reported as stopped. */
    enum State {
        CREATED(Status.CREATED), RUNNING(Status.RUNNING), PAUSED(Status.PAUSED), STOPPED(Status.STOPPED),
        DELETED(Status.STOPPED);

        private final Status status;

        State(Status status) {
            this.status = status;
        }

        Status status() {
            return status;
        }
    }

    private final String containerId;
    private final String execId;
    private final boolean terminal;
    private final String stdin;
    private final String stdout;
    private final String stderr;
    private final ExitListener listener;
    private final CompletableFuture<Exit> exit = new CompletableFuture<>();
    private Optional<Process> execSpec;
    private State state = State.CREATED;
    private ProcessStdio stdio;
    private GuestProcess guestProcess;

    ShimProcess(String containerId, String execId, boolean terminal, String stdin, String stdout, String stderr,
                Optional<Process> execSpec, ExitListener listener) {
        this.containerId = containerId;
        this.execId = execId;
        this.terminal = terminal;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.execSpec = execSpec;
        this.listener = listener;
    }

    /** An exec'd process as containerd's Exec asks for it: the OCI process comes as JSON in an Any. */
    static ShimProcess exec(ExecProcessRequest request, ExitListener listener) {
        if (request.getExecId().isEmpty()) {
            throw ErrdefsException.invalidArgument("exec needs an exec id");
        }
        Process process;
        try {
            process = OciSpecJson.fromJson(JSON.readTree(request.getSpec().getValue().toByteArray()),
                    Process.newBuilder(), ignored -> { }).setTerminal(request.getTerminal()).build();
        } catch (IOException | OciSpecException e) {
            throw new ErrdefsException(ErrorKind.INVALID_ARGUMENT, "invalid process spec for exec "
                    + request.getExecId() + ": " + e.getMessage(), e);
        }
        if (process.getArgsCount() == 0) {
            throw ErrdefsException.invalidArgument("the exec'd process has no args");
        }
        return new ShimProcess(request.getId(), request.getExecId(), request.getTerminal(), request.getStdin(),
                request.getStdout(), request.getStderr(), Optional.of(process), listener);
    }

    String containerId() {
        return containerId;
    }

    /** Empty for a container's init process. */
    String execId() {
        return execId;
    }

    boolean isInit() {
        return execId.isEmpty();
    }

    boolean terminal() {
        return terminal;
    }

    String stdin() {
        return stdin;
    }

    String stdout() {
        return stdout;
    }

    String stderr() {
        return stderr;
    }

    String name() {
        return isInit() ? containerId : containerId + "/" + execId;
    }

    synchronized Status status() {
        return state.status();
    }

    synchronized State state() {
        return state;
    }

    /** Attaches the process's FIFOs and its process in the guest (an init at Create, an exec when it starts). */
    synchronized void attach(ProcessStdio fifos, GuestProcess process) {
        this.stdio = fifos;
        this.guestProcess = process;
    }

    // ---- transitions ----

    /** CREATED → RUNNING: an init's StartContainer. */
    void start() throws AgentException, IOException {
        start(() -> guestProcess.start());
    }

    /** CREATED → RUNNING: opens an exec's FIFOs and runs it in the guest with its spec as sized so far. */
    void startExec(AgentClient agent) throws AgentException, IOException {
        start(() -> {
            ProcessStdio fifos = ProcessStdio.open(stdin, stdout, stderr);
            try {
                attach(fifos, GuestProcess.exec(agent, containerId, execId, execSpec.orElseThrow(),
                        new GuestProcess.Stdio(terminal, fifos.in(), fifos.out(), fifos.err())));
            } catch (AgentException | RuntimeException e) {
                fifos.close();
                throw e;
            }
        });
    }

    private synchronized void start(AgentCall agentStart) throws AgentException, IOException {
        require("start", State.CREATED);
        agentStart.run();
        state = State.RUNNING;
    }

    /** RUNNING → PAUSED. */
    synchronized void pause(AgentCall agentPause) throws AgentException, IOException {
        require("pause", State.RUNNING);
        agentPause.run();
        state = State.PAUSED;
    }

    /** PAUSED → RUNNING. */
    synchronized void resume(AgentCall agentResume) throws AgentException, IOException {
        require("resume", State.PAUSED);
        agentResume.run();
        state = State.RUNNING;
    }

    /**
     * Kata's semantics: signalling a stopped process is a no-op; one never started just ends, as if the signal had
     * killed it; {@code all} signals every process of the container.
     */
    void kill(int signal, boolean all) throws AgentException {
        GuestProcess target;
        synchronized (this) {
            if (state == State.STOPPED || state == State.DELETED) {
                LOG.log(System.Logger.Level.DEBUG, "{0} already stopped: signal {1} ignored", name(), signal);
                return;
            }
            if (state == State.CREATED) {
                exited(128 + signal, true); // nothing runs that could be signalled
                return;
            }
            target = guestProcess;
        }
        try {
            target.signal(signal, all);
        } catch (AgentException e) {
            if (status() != Status.STOPPED) {
                throw e;
            }
        }
    }

    /** A terminal size: an exec not started yet starts with it (consoleSize); a stopped process ignores it. */
    void resize(int height, int width) throws AgentException {
        GuestProcess target;
        synchronized (this) {
            if (!terminal) {
                throw ErrdefsException.failedPrecondition(name() + " has no terminal");
            }
            if (state == State.CREATED && !isInit()) {
                execSpec = execSpec.map(process -> process.toBuilder()
                        .setConsoleSize(Box.newBuilder().setHeight(height).setWidth(width)).build());
                return;
            }
            if (state == State.STOPPED || state == State.DELETED) {
                return;
            }
            // A created init's terminal exists since CreateContainer: a size sent before Start applies at once.
            target = guestProcess;
        }
        target.resize(height, width);
    }

    /** containerd's CloseIO: the process's stdin ends once what containerd wrote has been passed on. */
    void closeStdin() throws IOException, InterruptedException {
        ProcessStdio fifos;
        synchronized (this) {
            fifos = stdio;
        }
        if (fifos != null) {
            fifos.closeStdin();
        }
    }

    /** Watches a started process: its exit is recorded when the agent reports it (or the wait fails). */
    void watch() {
        GuestProcess target;
        synchronized (this) {
            target = guestProcess;
        }
        target.watch(end -> exited(end.status(), end.outputComplete()));
    }

    /** → STOPPED, once: the listener hears of it before any waiter; returns false when it had already ended. */
    boolean exited(int status, boolean outputComplete) {
        Exit ended;
        synchronized (this) {
            if (stdio != null) {
                stdio.finishOutput(name());
            }
            if (state == State.STOPPED || state == State.DELETED) {
                return false;
            }
            state = State.STOPPED;
            ended = new Exit(status, Instant.now());
            listener.exited(this, ended, outputComplete);
        }
        return exit.complete(ended);
    }

    /** CREATED or STOPPED → DELETED: closes the FIFOs; a process never started ends with status 0 first. */
    Exit delete() {
        synchronized (this) {
            if (state == State.RUNNING || state == State.PAUSED) {
                throw ErrdefsException.failedPrecondition("cannot delete " + name() + ": it is "
                        + state.name().toLowerCase(Locale.ROOT) + " (kill it first)");
            }
            if (state == State.DELETED) {
                throw ErrdefsException.notFound(name() + " is already deleted");
            }
            if (state == State.CREATED) {
                exited(0, true); // never started: its waiters must not wait forever
            }
            state = State.DELETED;
        }
        closeStdio();
        return exit.getNow(null);
    }

    /** Closes the FIFOs now (Delete, or the shim going away). */
    void closeStdio() {
        ProcessStdio fifos;
        synchronized (this) {
            fifos = stdio;
        }
        if (fifos != null) {
            fifos.close();
        }
    }

    /** Waits up to {@code timeout} for the exit: DEADLINE_EXCEEDED when it does not come. */
    Exit awaitExit(Duration timeout) throws InterruptedException {
        try {
            return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new ErrdefsException(ErrorKind.DEADLINE_EXCEEDED, name() + " did not exit within "
                    + timeout.toSeconds() + "s", e);
        }
    }

    /** The exit, once the process has ended. */
    Optional<Exit> exit() {
        return Optional.ofNullable(exit.getNow(null));
    }

    /** Completes when the process ends; shared by every waiter. */
    CompletableFuture<Exit> whenExited() {
        return exit;
    }

    private void require(String action, State wanted) {
        if (state != wanted) {
            throw ErrdefsException.failedPrecondition("cannot " + action + " " + name() + ": it is "
                    + state.name().toLowerCase(Locale.ROOT));
        }
    }
}
