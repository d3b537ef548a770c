package io.katacontainers.packaging.e2e;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A terminal for a command, as a user's terminal emulator gives one: util-linux script's pty, with a size. Two
 * things make it a faithful one:
 * <ul>
 * <li>The size is set first: script copies none when its own input is not a terminal, and a 0x0 terminal has no
 * size for the container to report ({@code stty size} then fails, with a stale errno as its message).
 * <li>The caller keeps script's input (a pipe) open until the command has exited: at end of input script types
 * the terminal's EOF character, and a client that switches its terminal to raw mode only afterwards (ctr) reads
 * the kernel's stand-in for it, a NUL byte, and passes it to the container, whose terminal echoes it as
 * {@code ^@}. runc does exactly the same with such input.
 * </ul>
 */
public final class ScriptTerminal {
    public static final int ROWS = 30;
    public static final int COLUMNS = 100;

    private ScriptTerminal() {
    }

    /** Starts {@code command}, a shell command line, on the terminal; script exits with its status. */
    public static Process start(String command) throws IOException {
        return new ProcessBuilder("script", "--quiet", "--flush", "--return", "--command",
                "stty rows " + ROWS + " cols " + COLUMNS + " && " + command, "/dev/null").start();
    }

    /** What {@code stty size} prints on this terminal. */
    public static String size() {
        return ROWS + " " + COLUMNS;
    }

    /** The session's output holds no NUL byte, nor a terminal's echo of one. */
    public static void assertNoNul(String output) {
        assertFalse(output.contains("\0") || output.contains("^@"), "a NUL byte in the output: " + output);
    }
}
