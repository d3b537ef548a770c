package io.katacontainers.agent.process;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.PosixSpawn;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ffm.libc.SyscallException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The only code that waits for children. The agent is a child subreaper, so every orphan below it (the process an
 * OCI runtime leaves behind, a daemon a container forked) re-parents here; one thread reaps them all with
 * wait4(-1), which is why nothing else (ProcessBuilder included) may spawn processes in this JVM. Exits of watched
 * processes complete their futures; the others are reaped and remembered briefly, because a container process
 * can exit before the runtime that started it has told us its pid.
 */
public final class Reaper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Reaper.class.getName());
    /** Exits of processes nobody watched yet, kept for {@link #adopt}; older entries are dropped first. */
    private static final int UNCLAIMED_LIMIT = 256;
    private static final int O_TRUNC = 01000;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition spawned = lock.newCondition();
    private final Map<Integer, CompletableFuture<Termination>> watched = new HashMap<>();
    private final Map<Integer, Unclaimed> unclaimed = new LinkedHashMap<>();
    private final Thread thread;
    private boolean childrenMayExist;
    private volatile boolean closed;

    private record Unclaimed(Termination termination, long reapedAtNanos) {
    }

    private Reaper() {
        thread = Thread.ofPlatform().daemon().name("reaper").stackSize(256 * 1024).unstarted(this::reapLoop);
    }

    /** Makes this process a child subreaper and starts reaping. */
    public static Reaper start() throws SyscallException {
        Processes.setChildSubreaper(true);
        var reaper = new Reaper();
        reaper.thread.start();
        return reaper;
    }

    /**
     * Spawns {@code command} and watches it. Spawning and registering happen under the lock the reaper takes
     * before looking a pid up, so an exit is never mistaken for an orphan's.
     */
    public Child spawn(Command command) throws SyscallException {
        var actions = new ArrayList<PosixSpawn.FileAction>();
        actions.add(new PosixSpawn.Chdir(command.dir()));
        redirect(actions, command.stdin(), 0, Libc.O_RDONLY);
        redirect(actions, command.stdout(), 1, Libc.O_WRONLY | Libc.O_CREAT | O_TRUNC);
        redirect(actions, command.stderr(), 2, Libc.O_WRONLY | Libc.O_CREAT | O_TRUNC);
        lock.lock();
        try {
            int pid = PosixSpawn.spawn(command.program(), command.argv(), command.env(), actions, false);
            var exit = new CompletableFuture<Termination>();
            watched.put(pid, exit);
            childrenMayExist = true;
            spawned.signal();
            return new Child(pid, exit);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Watches a process this agent did not spawn itself but that re-parents to it: a container process whose
     * pid an OCI runtime wrote to a pid file.
     *
     * @param startedAfterNanos {@link System#nanoTime()} before the runtime was started: an unclaimed exit of
     *                          this pid reaped later than that is this process's
     */
    public CompletableFuture<Termination> adopt(int pid, long startedAfterNanos) {
        lock.lock();
        try {
            var exit = new CompletableFuture<Termination>();
            var early = unclaimed.remove(pid);
            if (early != null && early.reapedAtNanos() - startedAfterNanos >= 0) {
                exit.complete(early.termination());
            } else {
                watched.put(pid, exit);
            }
            return exit;
        } finally {
            lock.unlock();
        }
    }

    /** How many processes are watched and not reaped yet. */
    public int watchedCount() {
        lock.lock();
        try {
            return watched.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops reaping once the thread next wakes up. The thread is a daemon blocked in wait4, which no other thread
     * can interrupt; it only matters when the JVM goes on without the agent, as in tests.
     */
    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            spawned.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void reapLoop() {
        while (!closed) {
            try {
                Processes.wait4(-1, Processes.WALL).ifPresent(this::record);
            } catch (SyscallException e) {
                if (e.is(Errno.ECHILD)) {
                    awaitChild();
                } else if (!e.is(Errno.EINTR)) {
                    LOG.log(Level.ERROR, "wait4 failed; reaping stops", e);
                    return;
                }
            }
        }
    }

    private void record(Processes.WaitStatus status) {
        var termination = Termination.of(status);
        CompletableFuture<Termination> exit;
        lock.lock();
        try {
            exit = watched.remove(status.pid());
            if (exit == null) {
                remember(status.pid(), termination);
            }
        } finally {
            lock.unlock();
        }
        if (exit != null) {
            exit.complete(termination);
        } else {
            LOG.log(Level.DEBUG, "reaped orphan {0}: {1}", Integer.toString(status.pid()), termination);
        }
    }

    private void remember(int pid, Termination termination) {
        unclaimed.put(pid, new Unclaimed(termination, System.nanoTime()));
        Iterator<Integer> oldest = unclaimed.keySet().iterator();
        while (unclaimed.size() > UNCLAIMED_LIMIT) {
            oldest.next();
            oldest.remove();
        }
    }

    /** No children at all: wait4 would fail at once, so sleep until the next spawn. */
    private void awaitChild() {
        lock.lock();
        try {
            while (!childrenMayExist && !closed) {
                spawned.awaitUninterruptibly();
            }
            childrenMayExist = false;
        } finally {
            lock.unlock();
        }
    }

    private static void redirect(List<PosixSpawn.FileAction> actions, Redirect redirect, int target, int flags) {
        switch (redirect) {
            case Redirect.Null() -> actions.add(new PosixSpawn.Open(target, Path.of("/dev/null"), Libc.O_RDWR, 0));
            case Redirect.Descriptor(int fd) -> actions.add(new PosixSpawn.Dup2(fd, target));
            case Redirect.File(Path path) -> actions.add(new PosixSpawn.Open(target, path, flags, 0600));
        }
    }
}
