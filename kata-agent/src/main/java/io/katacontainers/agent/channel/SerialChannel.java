package io.katacontainers.agent.channel;

import io.katacontainers.ttrpc.Transport;
import io.katacontainers.ttrpc.TtrpcServer;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * A virtio-serial port. The port stays open for the agent's lifetime: while the guest has it closed, QEMU drops
 * what the host writes. One ttrpc session runs at a time; when it ends because the host went away (reads then
 * return end of file at once, which is also what an unconnected port does), the next session starts on the same
 * descriptor after a short pause; when the port fails, it is reopened.
 */
final class SerialChannel implements AgentListener {
    private static final System.Logger LOG = System.getLogger(SerialChannel.class.getName());
    /** Pause between sessions while no host is connected: a read then returns end of file immediately. */
    private static final long IDLE_MILLIS = 50;
    private static final long REOPEN_MILLIS = 500;

    private final Path device;
    private volatile boolean closed;

    SerialChannel(Path device) {
        this.device = device;
    }

    @Override
    public void start(TtrpcServer server) throws IOException {
        Transport port = Transport.openCharDevice(device);
        Thread.ofPlatform().daemon().name("serial:" + device).stackSize(256 * 1024).start(() -> run(port, server));
        LOG.log(Level.INFO, "serving on virtio-serial port {0}", device);
    }

    @Override
    public void close() {
        closed = true;
    }

    private void run(Transport initial, TtrpcServer server) {
        Transport port = initial;
        while (!closed) {
            var input = new SessionInput(port.input());
            // The session's transport must not close the port: it is kept open across sessions.
            server.serve(Transport.of(input, new SessionOutput(port.output()), () -> { }));
            if (closed) {
                break;
            }
            if (input.failure != null) {
                LOG.log(Level.WARNING, "virtio-serial port {0} failed, reopening: {1}", device,
                        input.failure.getMessage());
                port = reopen(port);
            } else if (!pause(IDLE_MILLIS)) {
                break;
            }
        }
        closeQuietly(port);
    }

    private Transport reopen(Transport broken) {
        closeQuietly(broken);
        while (!closed) {
            try {
                return Transport.openCharDevice(device);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot reopen {0}: {1}", device, e.getMessage());
                if (!pause(REOPEN_MILLIS)) {
                    break;
                }
            }
        }
        return broken;
    }

    private void closeQuietly(Transport port) {
        try {
            port.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing {0} failed: {1}", device, e.getMessage());
        }
    }

    /** Sleeps; false if the thread was interrupted, which ends serving. */
    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Remembers whether the session ended on a read error rather than end of file. */
    private static final class SessionInput extends FilterInputStream {
        private IOException failure;

        SessionInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        /** Closing a session must not close the port underneath. */
        @Override
        public void close() {
            // the port outlives the session
        }
    }

    /** The port's output for one session: writes go straight through, closing does not close the port. */
    private static final class SessionOutput extends OutputStream {
        private final OutputStream port;

        SessionOutput(OutputStream port) {
            this.port = port;
        }

        @Override
        public void write(int b) throws IOException {
            port.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            port.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            port.flush();
        }

        @Override
        public void close() {
            // the port outlives the session
        }
    }
}
