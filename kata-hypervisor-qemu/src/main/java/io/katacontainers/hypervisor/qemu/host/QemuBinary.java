package io.katacontainers.hypervisor.qemu.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Asks a QEMU binary what it is. */
public final class QemuBinary {
    private QemuBinary() {
    }

    /** The first line of {@code qemu --version}, e.g. {@code QEMU emulator version 7.2.22 (Debian ...)}. */
    public static String version(Path qemu, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(qemu.toString(), "--version").redirectErrorStream(true).start();
        try (InputStream out = process.getInputStream()) {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(qemu + " --version did not answer within " + timeout);
            }
            // --version prints two short lines, well within the pipe buffer, so reading after the exit is safe.
            String output = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0 || output.isEmpty()) {
                throw new IOException(qemu + " --version failed with status " + process.exitValue() + ": " + output);
            }
            return output.lines().findFirst().orElseThrow();
        } finally {
            process.destroyForcibly();
        }
    }
}
