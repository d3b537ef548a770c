package io.katacontainers.agent.io;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The unix socket passed to {@code runc/crun --console-socket}: the runtime creates the container's pty, connects
 * and sends the master with SCM_RIGHTS before it exits. Both runtimes speak this protocol, and the pty is then
 * created inside the container's own devpts, which is why the agent does not allocate one itself.
 */
public final class ConsoleSocket implements AutoCloseable {
    private static final int MAX_PAYLOAD = 4096;

    private final Path path;
    private final Fd listener;

    private ConsoleSocket(Path path, Fd listener) {
        this.path = path;
        this.listener = listener;
    }

    /** Listens on {@code path} (at most 107 bytes long, as sockaddr_un allows). */
    public static ConsoleSocket listen(Path path) throws IOException {
        Files.deleteIfExists(path);
        return new ConsoleSocket(path, Sockets.listenUnix(path, 1, Sockets.SOCK_NONBLOCK));
    }

    public Path path() {
        return path;
    }

    /**
     * The pty master the runtime sent. Call after the runtime exited successfully: the connection and its message
     * are queued by then, so nothing here blocks.
     *
     * @throws IOException if the runtime never connected or sent no descriptor
     */
    public Fd receiveMaster() throws IOException {
        Fd connection;
        try {
            connection = Sockets.accept(listener.get(), 0);
        } catch (SyscallException e) {
            if (e.is(Errno.EAGAIN)) {
                throw new IOException("the OCI runtime did not connect to the console socket " + path, e);
            }
            throw e;
        }
        try (connection) {
            return Sockets.receiveFd(connection.get(), MAX_PAYLOAD).fd();
        }
    }

    @Override
    public void close() throws IOException {
        try (listener) {
            Files.deleteIfExists(path);
        }
    }
}
