package io.katacontainers.packaging.clients;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One client command's outcome: its argv, exit code, stdout as bytes (byte-exact checks), stderr and how long it
 * took. {@link #toString} is the failure message every step gives: the command and what it printed.
 */
record Outcome(List<String> argv, int exitCode, byte[] stdout, String stderr, Duration took) {
    private static final int SHOWN = 4096;

    /** Runs {@code argv} with stdin from /dev/null, stdout and stderr into files under {@code dir}. */
    static Outcome run(Path dir, Map<String, String> env, Duration timeout, List<String> argv)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "stdout", ".bin");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(argv).redirectInput(new File("/dev/null"))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            long start = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", argv) + " did not finish within " + timeout
                        + "\n--- stdout\n" + shown(Files.readAllBytes(out)) + "\n--- stderr\n"
                        + Files.readString(err));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            return new Outcome(argv, process.exitValue(), Files.readAllBytes(out), Files.readString(err), took);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    String out() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** Fails with the command and its output unless it exited 0; returns this for chaining. */
    Outcome ok() {
        if (exitCode != 0) {
            throw new AssertionError("failed: " + this);
        }
        return this;
    }

    private static String shown(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, SHOWN), StandardCharsets.UTF_8);
        return bytes.length > SHOWN ? text + "... (" + bytes.length + " bytes)" : text;
    }

    @Override
    public String toString() {
        return String.join(" ", argv) + "\nexit " + exitCode + " after " + took.toMillis() + " ms\n--- stdout\n"
                + shown(stdout) + "\n--- stderr\n" + stderr;
    }
}
