package io.katacontainers.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.FdStreams;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.Terminals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The terminal hand-over of {@code --console-socket}, received as runc's {@code recvtty} (and conmon, and
 * containerd's runc shim) receive it: one message on a unix stream socket, the pty's name as its bytes and the
 * master attached with SCM_RIGHTS.
 */
class ConsoleSocketTest {
    @TempDir
    Path dir;

    @Test
    void theMasterArrivesWithTheSlavesNameAndTalksToTheRelaysEnd() throws Exception {
        Path socket = dir.resolve("console.sock");
        try (Fd listener = Sockets.listenUnix(socket, 1, 0)) {
            CompletableFuture<Sockets.ReceivedFd> received = CompletableFuture.supplyAsync(() -> {
                try (Fd connection = Sockets.accept(listener.get(), 0)) {
                    return Sockets.receiveFd(connection.get(), 4096);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (ConsoleSocket console = ConsoleSocket.handOver(socket,
                    Optional.of(new Terminals.WindowSize(24, 80)));
                 Fd master = received.get().fd()) {
                assertEquals(console.slavePath().toString(),
                        new String(received.get().payload(), StandardCharsets.UTF_8));
                assertEquals(new Terminals.WindowSize(24, 80), console.size());

                // The caller types on the master: the relay reads it unchanged (raw: no \r to \n, no echo).
                FdStreams.output(master).write("echo hi\r".getBytes(StandardCharsets.US_ASCII));
                byte[] typed = new byte[8];
                console.input().readNBytes(typed, 0, typed.length);
                assertEquals("echo hi\r", new String(typed, StandardCharsets.US_ASCII));
                // The guest's output written by the relay reaches the caller.
                console.output().write("hi\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] shown = new byte[4];
                FdStreams.input(master).readNBytes(shown, 0, shown.length);
                assertEquals("hi\r\n", new String(shown, StandardCharsets.US_ASCII));
                // A resize by the caller is what the relay reads back and passes on to the guest.
                Terminals.setWindowSize(master.get(), new Terminals.WindowSize(50, 132));
                assertEquals(new Terminals.WindowSize(50, 132), console.size());
            }
        }
    }

    @Test
    void aSocketNobodyListensOnIsAnErrorThatNamesIt() {
        Path socket = dir.resolve("nobody.sock");
        IOException error = assertThrows(IOException.class, () -> ConsoleSocket.handOver(socket, Optional.empty()));
        assertTrue(error.getMessage().contains(socket.toString()), error.getMessage());
    }
}
