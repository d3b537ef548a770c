package io.katacontainers.runtime.config.env;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Asks a hypervisor executable for its version, as Kata's env does: {@code <path> --version}. */
public final class HypervisorVersion {

    private static final System.Logger LOG = System.getLogger(HypervisorVersion.class.getName());
    /** QEMU answers in milliseconds; a binary that hangs must not hang {@code kata-runtime env}. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    private HypervisorVersion() {
    }

    /** The trimmed standard output of {@code executable --version}, or {@value EnvReport#UNKNOWN} (logged why). */
    public static String query(Path executable, Duration timeout) {
        Process process;
        try {
            process = new ProcessBuilder(executable.toString(), "--version")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot run " + executable + " --version", e);
            return EnvReport.UNKNOWN;
        }
        try (InputStream out = process.getInputStream()) {
            // Wait before reading, so a hung binary cannot block us: the answer is a few lines, far below what
            // the pipe holds.
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                LOG.log(System.Logger.Level.DEBUG, executable + " --version did not finish within " + timeout);
                return EnvReport.UNKNOWN;
            }
            String version = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0 || version.isEmpty()) {
                LOG.log(System.Logger.Level.DEBUG, executable + " --version exited with " + process.exitValue());
                return EnvReport.UNKNOWN;
            }
            return version;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot read the output of " + executable + " --version", e);
            return EnvReport.UNKNOWN;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return EnvReport.UNKNOWN;
        }
    }
}
