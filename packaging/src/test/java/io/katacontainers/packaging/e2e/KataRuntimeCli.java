package io.katacontainers.packaging.e2e;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The built tree's {@code kata-runtime} run as a CLI caller runs it: stdin empty, stdout and stderr kept, bounded. */
public final class KataRuntimeCli {
    /** How one command ended. */
    public record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private KataRuntimeCli() {
    }

    /**
     * Runs {@code kata-runtime args...}, its output in files under {@code work}; a command still running after
     * {@code timeout} is killed and fails the test.
     */
    public static Result run(Path work, Duration timeout, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Sandboxes.DIST.resolve("bin/kata-runtime").toString()));
        argv.addAll(Arrays.asList(args));
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        Process process = new ProcessBuilder(argv).redirectInput(new File("/dev/null"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("kata-runtime " + String.join(" ", args) + " did not finish within " + timeout);
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
