package io.katacontainers.runtime.io;

import io.katacontainers.ffm.libc.FdStreams;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.Terminals;
import io.katacontainers.ffm.libc.Terminals.WindowSize;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * runc's {@code --console-socket}: a new pty whose master goes to the caller over its unix socket (SCM_RIGHTS, the
 * slave's path as the message, as runc sends it), while this process keeps the slave and relays it to the
 * container's terminal in the guest. The slave is raw: the guest's terminal does the echo and line editing. When
 * this process is a session leader, the slave becomes its controlling terminal, so a resize of the master by the
 * caller arrives here as SIGWINCH and is passed on ({@link #onResize}).
 */
public final class ConsoleSocket implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ConsoleSocket.class.getName());
    private final Terminals.Pty pty;

    private ConsoleSocket(Terminals.Pty pty) {
        this.pty = pty;
    }

    /**
     * Opens the pty, sets its size, sends the master to {@code socket} and closes this process's copy of it.
     *
     * @throws IOException when the socket cannot be reached or the pty not made, with what to check
     */
    public static ConsoleSocket handOver(Path socket, Optional<WindowSize> size) throws IOException {
        Terminals.Pty pty = Terminals.openPty(true);
        try {
            Terminals.makeRaw(pty.slave().get());
            if (size.isPresent()) {
                Terminals.setWindowSize(pty.master().get(), size.get());
            }
            try (var connection = Sockets.connectUnix(socket, 0)) {
                Sockets.sendFd(connection.get(), pty.master().get(),
                        pty.slavePath().toString().getBytes(StandardCharsets.UTF_8));
            } catch (SyscallException e) {
                throw new IOException("cannot send the terminal to the console socket " + socket + ": "
                        + e.getMessage() + " (is the caller listening on it?)", e);
            }
            pty.master().close();
            return new ConsoleSocket(pty);
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
    }

    /** What the caller types (the master's writes). */
    public InputStream input() {
        return FdStreams.input(pty.slave());
    }

    /** What the caller reads on the master. */
    public OutputStream output() {
        return FdStreams.output(pty.slave());
    }

    public Path slavePath() {
        return pty.slavePath();
    }

    /** The terminal's size now (the caller sets it on the master). */
    public WindowSize size() throws SyscallException {
        return Terminals.windowSize(pty.slave().get());
    }

    /** Calls {@code resized} with the new size whenever the caller resizes the terminal (SIGWINCH). */
    public void onResize(Consumer<WindowSize> resized) {
        SignalForwarder.onWindowChange(() -> {
            try {
                resized.accept(size());
            } catch (SyscallException e) {
                LOG.log(System.Logger.Level.DEBUG, "terminal {0} is gone: {1}", pty.slavePath(), e.getMessage());
            }
        });
    }

    @Override
    public void close() throws SyscallException {
        pty.close();
    }
}
