package io.katacontainers.agent.channel;

import io.katacontainers.agent.process.Child;
import io.katacontainers.agent.process.Command;
import io.katacontainers.agent.process.Reaper;
import io.katacontainers.agent.process.Redirect;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * The guest's debug console ({@code [agent.kata] debug_console_enabled}, kernel parameter
 * {@value GuestContract#DEBUG_CONSOLE_PARAM}): a shell ({@code /bin/sh -i}, busybox in the guest) whose stdin, stdout
 * and stderr are the host's connection, as Kata's agent serves it on vsock port 1026.
 *
 * <p>Over vsock every accepted connection gets its own shell, which ends when the host closes the connection. Where
 * the host has no vsock the console is the virtio-serial port {@value GuestContract#DEBUG_CONSOLE_SERIAL_PORT}: a
 * shell starts when the host has connected and sent something, and ends when the host disconnects (its reads then
 * see end of file) or the user types {@code exit}; the next connection gets a new one.
 */
public final class DebugConsole implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DebugConsole.class.getName());
    private static final Path VSOCK_DEVICE = Path.of("/dev/vsock");
    private static final Path SHELL = Path.of("/bin/sh");
    private static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", "TERM=dumb");
    /** While no host is connected to the serial port, poll(2) reports a hang-up at once: check again this often. */
    private static final long SERIAL_IDLE_MILLIS = 200;

    private final Reaper reaper;
    private final int vsockPort;
    private volatile boolean closed;

    /**
     * @param reaper spawns and waits for the shells
     * @param vsockPort the console's vsock port ({@code agent.debug_console_vport}, default 1026)
     */
    public DebugConsole(Reaper reaper, int vsockPort) {
        this.reaper = reaper;
        this.vsockPort = vsockPort;
    }

    /**
     * Serves the console on its virtio-serial port when the guest has one, else on vsock; logs and serves nothing
     * when neither is there (a debug aid must not keep the agent from starting).
     */
    public void start() {
        try {
            // The runtime adds the serial port only where the host has no vsock; /dev/vsock is there whenever the
            // kernel has vsock, device or not, so the port decides.
            Optional<Path> port = SerialPorts.find(GuestContract.DEBUG_CONSOLE_SERIAL_PORT);
            if (port.isPresent()) {
                Fd device = Libc.open(port.get(), Libc.O_RDWR | Libc.O_CLOEXEC);
                Thread.ofPlatform().daemon().name("debug-console:serial").start(() -> serialLoop(device));
                LOG.log(Level.INFO, "debug console on virtio-serial port {0}", port.get());
                return;
            }
            if (!Files.exists(VSOCK_DEVICE)) {
                LOG.log(Level.WARNING, "debug console requested, but the guest has neither the virtio-serial port "
                        + "{0} nor /dev/vsock: no console", GuestContract.DEBUG_CONSOLE_SERIAL_PORT);
                return;
            }
            Fd listener = Sockets.listenVsock(vsockPort, 4, Sockets.SOCK_NONBLOCK);
            Thread.ofPlatform().daemon().name("debug-console:vsock").start(() -> acceptLoop(listener));
            LOG.log(Level.INFO, "debug console on vsock port {0}", Integer.toString(vsockPort));
        } catch (SyscallException e) {
            LOG.log(Level.ERROR, "debug console not started: {0}", e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    private void acceptLoop(Fd listener) {
        try (listener) {
            AcceptLoop.run(listener, () -> closed, connection -> {
                // The shell holds its own copies; the connection ends when it exits.
                try (connection) {
                    spawnShell(connection.get());
                }
            });
        } catch (SyscallException e) {
            LOG.log(Level.ERROR, "debug console stops accepting: {0}", e.getMessage());
        }
    }

    private void serialLoop(Fd device) {
        try (device) {
            while (!closed) {
                int events = Poll.poll(device.get(), Poll.POLLIN, AcceptLoop.POLL_MILLIS);
                if ((events & Poll.POLLHUP) != 0) {
                    Thread.sleep(SERIAL_IDLE_MILLIS); // no host on the other end: nothing to wait on but time
                } else if ((events & Poll.POLLIN) != 0) {
                    Child shell = spawnShell(device.get());
                    shell.exit().get();
                    LOG.log(Level.INFO, "debug console shell (pid {0}) ended", Integer.toString(shell.pid()));
                }
            }
        } catch (SyscallException e) {
            LOG.log(Level.ERROR, "debug console on the serial port stops: {0}", e.getMessage());
        } catch (ExecutionException e) {
            LOG.log(Level.ERROR, "debug console shell could not be waited for: {0}", e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Child spawnShell(int fd) throws SyscallException {
        var stdio = new Redirect.Descriptor(fd);
        Child shell = reaper.spawn(new Command(SHELL, List.of("-i"), ENV, Path.of("/"), stdio, stdio, stdio));
        LOG.log(Level.INFO, "debug console shell started (pid {0})", Integer.toString(shell.pid()));
        return shell;
    }
}
