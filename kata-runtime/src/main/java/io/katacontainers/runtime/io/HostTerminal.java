package io.katacontainers.runtime.io;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The controlling terminal of {@code kata-runtime run -t}-style sessions: switched to raw mode so that keys reach
 * the container's terminal unprocessed, and restored on close. Java has no termios; stty does the same job.
 */
public final class HostTerminal implements AutoCloseable {
    private static final File TTY = new File("/dev/tty");
    private final String saved;

    private HostTerminal(String saved) {
        this.saved = saved;
    }

    /** Our stdin's terminal in raw mode, or empty when stdin is not a terminal (a pipe, a file). */
    public static Optional<HostTerminal> rawIfTerminal() throws IOException, InterruptedException {
        if (System.console() == null || !System.console().isTerminal()) {
            return Optional.empty();
        }
        String saved = stty("-g").trim();
        stty("raw", "-echo");
        return Optional.of(new HostTerminal(saved));
    }

    /** Rows and columns of the terminal. */
    public static Optional<int[]> size() {
        try {
            String[] rowsColumns = stty("size").trim().split("\\s+");
            return Optional.of(new int[] {Integer.parseInt(rowsColumns[0]), Integer.parseInt(rowsColumns[1])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String stty(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "stty";
        System.arraycopy(args, 0, command, 1, args.length);
        Process stty = new ProcessBuilder(command).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(stty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (stty.waitFor() != 0) {
            throw new IOException("stty " + String.join(" ", args) + " failed with status " + stty.exitValue());
        }
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stty(saved);
    }
}
