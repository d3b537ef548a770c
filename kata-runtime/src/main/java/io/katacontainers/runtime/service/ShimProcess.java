package io.katacontainers.runtime.service;

import io.katacontainers.agent.proto.Box;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.containerd.types.Status;
import io.katacontainers.runtime.core.GuestProcess;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A container's init process or an exec'd process as the task service tracks it: status, stdio, and the exit,
 * which any number of Wait calls share.
 */
final class ShimProcess {
    /** How a process ended; the exit time is when the shim learned of it. */
    record Exit(int status, Instant at) {
    }

    private final String containerId;
    private final String execId;
    private final boolean terminal;
    private final String stdin;
    private final String stdout;
    private final String stderr;
    private volatile Optional<Process> execSpec;
    private final CompletableFuture<Exit> exit = new CompletableFuture<>();
    private Status status = Status.CREATED;
    private ProcessStdio stdio;
    private GuestProcess guestProcess;

    ShimProcess(String containerId, String execId, boolean terminal, String stdin, String stdout, String stderr,
                Optional<Process> execSpec) {
        this.containerId = containerId;
        this.execId = execId;
        this.terminal = terminal;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.execSpec = execSpec;
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

    /** The process to exec; empty for init. */
    Optional<Process> execSpec() {
        return execSpec;
    }

    /** A terminal size that came before the exec'd process started: it starts with it (consoleSize). */
    void sizeConsoleBeforeStart(int height, int width) {
        execSpec = execSpec.map(process -> process.toBuilder()
                .setConsoleSize(Box.newBuilder().setHeight(height).setWidth(width)).build());
    }

    String name() {
        return isInit() ? containerId : containerId + "/" + execId;
    }

    synchronized Status status() {
        return status;
    }

    synchronized void status(Status newStatus) {
        if (status != Status.STOPPED) {
            status = newStatus;
        }
    }

    synchronized void attach(ProcessStdio stdio, GuestProcess guestProcess) {
        this.stdio = stdio;
        this.guestProcess = guestProcess;
    }

    synchronized Optional<ProcessStdio> stdio() {
        return Optional.ofNullable(stdio);
    }

    synchronized Optional<GuestProcess> guestProcess() {
        return Optional.ofNullable(guestProcess);
    }

    /** Records the exit once; returns false when it was already recorded. */
    boolean exited(int exitStatus) {
        synchronized (this) {
            if (status == Status.STOPPED) {
                return false;
            }
            status = Status.STOPPED;
        }
        return exit.complete(new Exit(exitStatus, Instant.now()));
    }

    /** The exit, once the process has ended. */
    Optional<Exit> exit() {
        return Optional.ofNullable(exit.getNow(null));
    }

    /** Completes when the process ends; shared by every waiter. */
    CompletableFuture<Exit> whenExited() {
        return exit;
    }
}
