package io.katacontainers.runtime.sandbox;

import io.katacontainers.ffm.libc.PidFd;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.resource.ResourceLedger;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Removes what a sandbox leaves on the host when the process that owned it is gone: the VMM and virtiofsd
 * (every process whose command line names the sandbox directory), mounts under the directory, the directory.
 * Idempotent: running it twice, or on a sandbox that is already gone, is fine.
 */
public final class SandboxCleanup {
    private static final System.Logger LOG = System.getLogger(SandboxCleanup.class.getName());
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private SandboxCleanup() {
    }

    /** SIGKILLs every process of the sandbox and waits for them to go; returns how many there were. */
    public static int killProcesses(Path runDir) throws InterruptedException {
        List<ProcessHandle> processes = processesOf(runDir);
        processes.forEach(ProcessHandle::destroyForcibly);
        Instant deadline = Instant.now().plus(KILL_WAIT);
        for (ProcessHandle process : processes) {
            if (!awaitExit(process.pid(), Duration.between(Instant.now(), deadline))) {
                LOG.log(System.Logger.Level.WARNING, "process {0} of {1} did not die", process.pid(), runDir);
            }
        }
        return processes.size();
    }

    /**
     * Waits for the end of a process that need not be ours (a pidfd: woken by the exit itself, a zombie counts),
     * up to {@code timeout}; whether it ended. Blocks in a downcall: platform threads only.
     */
    public static boolean awaitExit(long pid, Duration timeout) throws InterruptedException {
        try {
            return PidFd.awaitExit(pid, timeout.isNegative() ? Duration.ZERO : timeout);
        } catch (SyscallException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot wait for process {0} ({1}): treating it as still there",
                    pid, e.getMessage());
            return false;
        } finally {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for process " + pid);
            }
        }
    }

    /** Processes other than this one whose arguments contain the sandbox directory. */
    public static List<ProcessHandle> processesOf(Path runDir) {
        String needle = runDir.toString();
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(process -> process.pid() != self)
                .filter(process -> process.info().arguments()
                        .map(args -> names(String.join(" ", args), needle)).orElse(false))
                .toList();
    }

    /** Whether a command line names {@code dir} itself or a path under it (not {@code dir2}). */
    static boolean names(String commandLine, String dir) {
        for (int at = commandLine.indexOf(dir); at >= 0; at = commandLine.indexOf(dir, at + 1)) {
            int end = at + dir.length();
            if (end == commandLine.length() || "/ ,:\"'".indexOf(commandLine.charAt(end)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Kills the sandbox's processes, tears down what its ledger records (newest first), and removes the directory
     * with whatever is still mounted under it.
     */
    public static void cleanUp(Path runDir) throws IOException, InterruptedException {
        killProcesses(runDir);
        if (Files.isDirectory(runDir)) {
            ResourceLedger.of(runDir).detachAll();
        }
        StateStore.removeTree(runDir);
    }
}
