package io.katacontainers.agent.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.agent.service.HealthService;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Poll;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Transport;
import io.katacontainers.ttrpc.TtrpcClient;
import io.katacontainers.ttrpc.TtrpcServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The virtio-serial channel over a stand-in character device: the slave of a pseudo-terminal in raw mode, whose
 * master plays the host's end of the port.
 */
class SerialChannelTest {
    private static final long TIOCGPTN = 0x80045430L;
    private static final long TIOCSPTLCK = 0x40045431L;
    private static final int O_NOCTTY = 0400;

    @Test
    void ttrpcIsServedOverACharacterDevice() throws Exception {
        try (Fd master = Libc.open(Path.of("/dev/ptmx"), Libc.O_RDWR | O_NOCTTY | Libc.O_CLOEXEC)) {
            Path slave = unlock(master);
            makeRaw(slave);
            try (var server = TtrpcServer.of(HealthService.definition())) {
                var channel = AgentListener.of(new ChannelAddress.Serial(slave.toString()));
                channel.start(server);
                try (var client = new TtrpcClient(Transport.of(new MasterInput(master), new MasterOutput(master),
                        () -> { }))) {
                    for (int i = 0; i < 3; i++) {
                        var health = client.call(HealthService.NAME, "Check", CheckRequest.getDefaultInstance(),
                                HealthCheckResponse.parser(), CallOptions.ofTimeout(Duration.ofSeconds(10)));
                        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
                    }
                } finally {
                    channel.close();
                }
            }
        }
    }

    private static Path unlock(Fd master) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            Libc.ioctl(master.get(), TIOCSPTLCK, value, "TIOCSPTLCK");
            Libc.ioctl(master.get(), TIOCGPTN, value, "TIOCGPTN");
            return Path.of("/dev/pts", Integer.toString(value.get(ValueLayout.JAVA_INT, 0)));
        }
    }

    /** A virtio-serial port passes bytes unchanged: no echo, no line editing, no CR/LF translation. */
    private static void makeRaw(Path tty) throws IOException, InterruptedException {
        Process stty = new ProcessBuilder("stty", "-F", tty.toString(), "raw", "-echo").inheritIO().start();
        if (!stty.waitFor(10, TimeUnit.SECONDS) || stty.exitValue() != 0) {
            throw new IOException("stty failed on " + tty);
        }
    }

    private static final class MasterInput extends InputStream {
        private final Fd fd;

        MasterInput(Fd fd) {
            this.fd = fd;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        /** Polls, so that the client's reader notices the test closing the master instead of failing on it. */
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(Math.max(1, len));
                while (fd.isOpen() && Poll.poll(fd.get(), Poll.POLLIN, 100) == 0) {
                    Thread.onSpinWait();
                }
                if (!fd.isOpen()) {
                    return -1;
                }
                int n = (int) Libc.read(fd.get(), buffer);
                if (n == 0) {
                    return -1;
                }
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, b, off, n);
                return n;
            }
        }
    }

    private static final class MasterOutput extends OutputStream {
        private final Fd fd;

        MasterOutput(Fd fd) {
            this.fd = fd;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocate(Math.max(1, len));
                MemorySegment.copy(b, off, data, ValueLayout.JAVA_BYTE, 0, len);
                long done = 0;
                while (done < len) {
                    done += Libc.write(fd.get(), data.asSlice(done, len - done));
                }
            }
        }
    }
}
