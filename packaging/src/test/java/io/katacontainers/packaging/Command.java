package io.katacontainers.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command of the built tree as a user would, capturing its exit code and both output streams. */
public record Command(int exitCode, String stdout, String stderr) {

    public static Command run(Path cwd, Map<String, String> env, boolean clearEnv, Duration timeout, List<String> argv)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(argv).directory(cwd.toFile());
        if (clearEnv) {
            builder.environment().clear();
        }
        builder.environment().putAll(env);
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process process = builder.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(process, true));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(process, false));
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(argv + " did not finish within " + timeout);
        }
        return new Command(process.exitValue(), out.join(), err.join());
    }

    private static String drain(Process process, boolean stdout) {
        try (var in = stdout ? process.getInputStream() : process.getErrorStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
}
