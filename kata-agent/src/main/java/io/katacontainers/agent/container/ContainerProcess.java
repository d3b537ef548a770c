package io.katacontainers.agent.container;

import io.katacontainers.agent.io.GuestProcessIo;
import io.katacontainers.agent.process.Termination;
import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ffm.libc.SyscallException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A process of a container, its init or an exec'd one, as the agent tracks it: pid, streams and exit. The pid stays
 * safe to signal until the exit completes, because only the agent's reaper can free it.
 */
public final class ContainerProcess {
    private final String execId;
    private final int pid;
    private final GuestProcessIo io;
    private final CompletableFuture<Termination> exit;

    ContainerProcess(String execId, int pid, GuestProcessIo io, CompletableFuture<Termination> exit) {
        this.execId = execId;
        this.pid = pid;
        this.io = io;
        this.exit = exit;
        exit.thenRun(io::processExited);
    }

    /** Empty for a container's init process. */
    public String execId() {
        return execId;
    }

    public int pid() {
        return pid;
    }

    public GuestProcessIo io() {
        return io;
    }

    public boolean hasExited() {
        return exit.isDone();
    }

    /** Sends {@code signal}; a process that is already gone is not an error (Kata ignores ESRCH too). */
    public void signal(int signal) throws SyscallException {
        if (exit.isDone()) {
            return;
        }
        try {
            Processes.kill(pid, signal);
        } catch (SyscallException e) {
            if (!e.is(Errno.ESRCH)) {
                throw e;
            }
        }
    }

    /** Waits for the exit; returns at once if it is already known. */
    public Termination awaitExit() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the reaper never fails an exit", e);
        }
    }

    /** The exit, once it happened. */
    CompletableFuture<Termination> exit() {
        return exit;
    }

    /** Releases the streams. */
    void closeIo() throws IOException {
        io.close();
    }
}
