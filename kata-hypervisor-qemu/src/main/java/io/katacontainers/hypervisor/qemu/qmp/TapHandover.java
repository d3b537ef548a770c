package io.katacontainers.hypervisor.qemu.qmp;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Hands tap descriptors to a running QEMU on a second QMP monitor of its own: {@code getfd} with the descriptor
 * attached (SCM_RIGHTS, which the JDK's unix sockets cannot send), then {@code netdev_add} of the tap and of a hub
 * port joining it to the hub the NIC was started on; and any descriptor a command names ({@code migrate} of a VM
 * template to its state file). The JDK's process API closes every inherited descriptor, so
 * {@code -netdev tap,fd=N} on the command line is not an option. One use, then closed.
 */
public final class TapHandover implements AutoCloseable {
    private static final int ANSWER_TIMEOUT_MS = 10_000;

    private final Fd socket;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(4096);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private TapHandover(Fd socket) {
        this.socket = socket;
    }

    /** Connects and leaves capabilities negotiation. */
    public static TapHandover connect(Path monitor) throws QmpException {
        Fd socket;
        try {
            socket = Sockets.connectUnix(monitor, 0);
        } catch (SyscallException e) {
            throw new QmpException("cannot connect to QMP socket " + monitor + ": " + e.getMessage(), e);
        }
        TapHandover handover = new TapHandover(socket);
        try {
            String greeting = handover.readLine();
            if (!greeting.contains("\"QMP\"")) {
                throw new QmpException("not a QMP greeting on " + monitor + ": " + greeting);
            }
            handover.command("{\"execute\":\"qmp_capabilities\"}", -1);
            return handover;
        } catch (QmpException | RuntimeException e) {
            handover.close();
            throw e;
        }
    }

    /**
     * Attaches tap {@code fd} as netdev {@code tap<index>} to hub {@code index} (whose other port is the NIC).
     *
     * @param vhost whether QEMU should try vhost-net for it
     */
    public void attach(int index, int fd, boolean vhost) throws QmpException {
        String name = "tapfd" + index;
        command("{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"" + name + "\"}}", fd);
        command("{\"execute\":\"netdev_add\",\"arguments\":{\"type\":\"tap\",\"id\":\"tap" + index + "\",\"fd\":\""
                + name + "\",\"vhost\":" + vhost + "}}", -1);
        command("{\"execute\":\"netdev_add\",\"arguments\":{\"type\":\"hubport\",\"id\":\"hubtap" + index
                + "\",\"hubid\":" + index + ",\"netdev\":\"tap" + index + "\"}}", -1);
    }

    /**
     * Runs one command on this monitor, with {@code fd} attached when it is not negative (for {@code getfd}: the
     * descriptor then belongs to this monitor, and an {@code fd:<name>} URI of a later command here names it).
     */
    public void execute(String json, int fd) throws QmpException {
        command(json, fd);
    }

    private void command(String json, int fd) throws QmpException {
        byte[] line = (json + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (fd >= 0) {
                Sockets.sendFds(socket.get(), line, fd);
            } else {
                Sockets.sendFds(socket.get(), line);
            }
        } catch (SyscallException e) {
            throw new QmpException("QMP " + json + ": " + e.getMessage(), e);
        }
        while (true) {
            String answer = readLine();
            if (answer.contains("\"return\"")) {
                return;
            }
            if (answer.contains("\"error\"")) {
                throw new QmpException("QMP " + json + " failed: " + answer);
            }
            // an asynchronous event: not ours
        }
    }

    private String readLine() throws QmpException {
        while (true) {
            byte[] seen = pending.toByteArray();
            for (int i = 0; i < seen.length; i++) {
                if (seen[i] == '\n') {
                    pending.reset();
                    pending.write(seen, i + 1, seen.length - i - 1);
                    return new String(seen, 0, i, StandardCharsets.UTF_8);
                }
            }
            long n;
            try {
                if (Poll.poll(socket.get(), Poll.POLLIN, ANSWER_TIMEOUT_MS) == 0) {
                    throw new QmpTimeoutException("QEMU did not answer on its QMP socket within "
                            + ANSWER_TIMEOUT_MS + " ms");
                }
                n = Libc.read(socket.get(), buffer);
            } catch (SyscallException e) {
                throw new QmpException("reading QMP: " + e.getMessage(), e);
            }
            if (n == 0) {
                throw new QmpDisconnectedException("QEMU closed the QMP socket", null);
            }
            pending.writeBytes(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (SyscallException e) {
            System.getLogger(TapHandover.class.getName()).log(System.Logger.Level.DEBUG, "closing QMP: {0}",
                    e.getMessage());
        } finally {
            arena.close();
        }
    }
}
