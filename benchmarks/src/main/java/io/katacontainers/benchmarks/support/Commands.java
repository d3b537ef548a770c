package io.katacontainers.benchmarks.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Short commands the benchmarks run (runc): stdin from /dev/null, output captured for the failure message. */
public final class Commands {
    private Commands() {
    }

    /** Runs {@code argv} to its end; returns its exit code, which must be {@code expected}. */
    public static int run(List<String> argv, int expected) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        if (status != expected) {
            throw new IOException(String.join(" ", argv) + " exited with " + status + ", not " + expected + ": "
                    + output.strip());
        }
        return status;
    }
}
