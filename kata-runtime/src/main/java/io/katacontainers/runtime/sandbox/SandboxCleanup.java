package io.katacontainers.runtime.sandbox;

import io.katacontainers.ffm.libc.Mounts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
            while (process.isAlive() && Instant.now().isBefore(deadline)) {
                Thread.sleep(20);
            }
            if (process.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "process {0} of {1} did not die", process.pid(), runDir);
            }
        }
        return processes.size();
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

    /** Detaches every mount at or under the sandbox directory, deepest first. */
    public static void unmountAll(Path runDir) throws IOException {
        List<Path> mounts = mountsUnder(Files.readString(Path.of("/proc/self/mountinfo")), runDir);
        for (Path mount : mounts) {
            try {
                Mounts.unmount(mount, Mounts.MNT_DETACH);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "cannot unmount {0}: {1}", mount, e.getMessage());
            }
        }
    }

    /** The mount points in a mountinfo text at or under {@code dir}, deepest first. */
    static List<Path> mountsUnder(String mountinfo, Path dir) {
        List<Path> found = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length < 5) {
                continue;
            }
            Path mountPoint = Path.of(unescape(fields[4]));
            if (mountPoint.startsWith(dir)) {
                found.add(mountPoint);
            }
        }
        found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return found;
    }

    /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Kills the sandbox's processes, unmounts, removes the directory. */
    public static void cleanUp(Path runDir) throws IOException, InterruptedException {
        killProcesses(runDir);
        unmountAll(runDir);
        SandboxHolder.removeTree(runDir);
    }
}
