package io.katacontainers.runtime.core;

import io.katacontainers.agent.proto.ExecProcessRequest;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.io.ExitWatcher;
import io.katacontainers.runtime.io.ProcessIo;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The one process runner: a container's init or exec'd process in the agent, with its stdio attached (readers
 * start before the process runs, so no output is lost), started, waited for and drained. Every front end runs
 * processes with it; the end it reports says whether all output arrived, and an incomplete one is logged at
 * warning.
 *
 * <p>Exec ids: the agent names a container's init process by the container's id (the exec id CreateContainer gave
 * it, as Kata's runtime does); {@link #ALL_PROCESSES} in a signal means every process of the container.
 */
public final class GuestProcess {
    /** The exec id by which the agent signals every process of a container (Kill with {@code all}), as Kata's. */
    public static final String ALL_PROCESSES = "";
    /**
     * How long a dead init's output may stand still before it counts as incomplete: it is copied for as long as it
     * flows (16 MiB across a loaded TCG guest takes longer than any fixed deadline one would pick).
     */
    private static final Duration INIT_DRAIN_STALL = Duration.ofSeconds(10);
    /** An exec'd process's output is copied to its end before its wait: the agent forgets both at once. */
    private static final Duration EXEC_DRAIN = Duration.ofDays(365);
    private static final System.Logger LOG = System.getLogger(GuestProcess.class.getName());

    /** Where a process's stdio goes on the host; with a terminal, stderr is part of stdout. */
    public record Stdio(boolean terminal, InputStream in, OutputStream out, OutputStream err) {
    }

    private final AgentClient agent;
    private final String containerId;
    private final String execId;
    private final boolean init;
    private final ProcessIo io;

    private GuestProcess(AgentClient agent, String containerId, String execId, boolean init, Stdio stdio) {
        this.agent = agent;
        this.containerId = containerId;
        this.execId = execId;
        this.init = init;
        this.io = ProcessIo.attach(agent, containerId, execId, stdio.terminal(), stdio.in(), stdio.out(),
                stdio.err());
    }

    /** Attaches to the init of a container the agent created (not started yet): {@link #start()} runs it. */
    public static GuestProcess init(AgentClient agent, String containerId, Stdio stdio) {
        return new GuestProcess(agent, containerId, containerId, true, stdio);
    }

    /** Runs {@code process} in a container and attaches to it; the agent keeps its output until it is read. */
    public static GuestProcess exec(AgentClient agent, String containerId, String execId, Process process,
                                    Stdio stdio) throws AgentException {
        agent.execProcess(ExecProcessRequest.newBuilder().setContainerId(containerId).setExecId(execId)
                .setProcess(process).build());
        return new GuestProcess(agent, containerId, execId, false, stdio);
    }

    /** Starts a container's init process (an exec'd one runs from {@link #exec}). */
    public void start() throws AgentException {
        if (!init) {
            throw new IllegalStateException(name() + " is an exec'd process: it started with its exec");
        }
        agent.startContainer(containerId);
    }

    /** Blocks until the process ended and its output was copied (or the copy gave up); the end says which. */
    public ExitWatcher.End awaitEnd() throws AgentException, InterruptedException {
        ExitWatcher.End end;
        if (init) {
            int status = agent.waitProcess(containerId, execId);
            end = new ExitWatcher.End(status, io.awaitOutputWhileFlowing(INIT_DRAIN_STALL));
        } else {
            boolean complete = io.awaitOutput(EXEC_DRAIN);
            end = new ExitWatcher.End(agent.waitProcess(containerId, execId), complete);
        }
        LOG.log(end.outputComplete() ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
                "{0} exited with status {1}{2}", name(), end.status(),
                end.outputComplete() ? "" : "; its output is incomplete");
        return end;
    }

    /** Waits on a virtual thread of its own: {@code onEnd} always hears of an end ({@link ExitWatcher}). */
    public Thread watch(Consumer<ExitWatcher.End> onEnd) {
        return ExitWatcher.start(name(), this::awaitEnd, onEnd);
    }

    /** Signals this process, or with {@code all} (an init only) every process of its container. */
    public void signal(int signal, boolean all) throws AgentException {
        agent.signalProcess(containerId, all && init ? ALL_PROCESSES : execId, signal);
    }

    public void resize(int height, int width) throws AgentException {
        agent.resizeTty(containerId, execId, height, width);
    }

    public String name() {
        return init ? containerId : containerId + "/" + execId;
    }
}
