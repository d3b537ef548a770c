package io.katacontainers.runtime.io;

import io.katacontainers.runtime.agent.AgentException;

import java.util.function.Consumer;

/**
 * Waits on a thread of its own for a started process to end (the agent's WaitProcess and the copy of its output)
 * and always reports an end: a wait that fails in any way ends the process as lost, so nobody waiting for its
 * exit (containerd's Wait, {@code state.json}) waits forever.
 */
public final class ExitWatcher {
    /** The exit status of a process whose VM or agent went away under it, or whose wait failed. */
    public static final int LOST_STATUS = 255;
    private static final System.Logger LOG = System.getLogger(ExitWatcher.class.getName());

    private ExitWatcher() {
    }

    /**
     * How a process ended.
     *
     * @param status         its exit status as the agent reported it, or {@link #LOST_STATUS}
     * @param outputComplete whether all of its output reached the host
     */
    public record End(int status, boolean outputComplete) {
    }

    /** The wait itself: blocks until the process ended. */
    @FunctionalInterface
    public interface Wait {
        End await() throws AgentException, InterruptedException;
    }

    /**
     * Starts a virtual thread that runs {@code wait} and hands its end to {@code onEnd}; an interrupt ends the
     * thread without an end (the watcher's owner is going away).
     */
    public static Thread start(String name, Wait wait, Consumer<End> onEnd) {
        return Thread.ofVirtual().name("wait-" + name).start(() -> {
            End end;
            try {
                end = wait.await();
            } catch (AgentException e) {
                LOG.log(System.Logger.Level.WARNING, "lost process {0}: {1}", name, e.getMessage());
                end = new End(LOST_STATUS, false);
            } catch (RuntimeException e) {
                // A bug, but the process's waiters must still hear of an end.
                LOG.log(System.Logger.Level.ERROR, "waiting for process " + name + " failed", e);
                end = new End(LOST_STATUS, false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            onEnd.accept(end);
        });
    }
}
