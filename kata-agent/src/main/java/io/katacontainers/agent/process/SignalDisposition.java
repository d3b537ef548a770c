package io.katacontainers.agent.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Whether a process blocks, ignores or catches a signal, from {@code /proc/<pid>/status}. The init process of a
 * pid namespace never gets a signal it has no handler for, so SIGTERM to a container's init that does not catch
 * it would do nothing; Kata's agent sends SIGKILL instead, and so does this one.
 */
public final class SignalDisposition {
    private static final Path PROC = Path.of("/proc");

    private SignalDisposition() {
    }

    /** True if the process blocks, ignores or catches {@code signal}; false if it is gone or takes the default. */
    public static boolean isHandled(int pid, int signal) throws IOException {
        if (signal < 1 || signal > 64) {
            return false;
        }
        long bit = 1L << (signal - 1);
        try {
            for (String line : Files.readAllLines(PROC.resolve(Integer.toString(pid)).resolve("status"))) {
                if (line.startsWith("SigBlk:") || line.startsWith("SigIgn:") || line.startsWith("SigCgt:")) {
                    long mask = Long.parseUnsignedLong(line.substring(line.indexOf(':') + 1).trim(), 16);
                    if ((mask & bit) != 0) {
                        return true;
                    }
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            return false;
        }
    }
}
