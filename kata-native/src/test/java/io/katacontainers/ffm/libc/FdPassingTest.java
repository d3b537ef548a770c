package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Connecting unix sockets and sending several descriptors with one message, as vhost-user front ends do. */
class FdPassingTest {
    @TempDir
    Path dir;

    @Test
    void controlMessageSizesMatchGlibc() throws Exception {
        Map<String, Long> constants = new LinkedHashMap<>();
        constants.put("MSG_NOSIGNAL", (long) Sockets.MSG_NOSIGNAL);
        constants.put("CMSG_LEN(3 * sizeof(int))", Sockets.cmsgLength(3));
        constants.put("CMSG_SPACE(3 * sizeof(int))", Sockets.cmsgSpace(3));
        constants.put("CMSG_SPACE(8 * sizeof(int))", Sockets.cmsgSpace(8));
        constants.put("CMSG_SPACE(16 * sizeof(int))", Sockets.cmsgSpace(Sockets.MAX_FDS_PER_MESSAGE));
        CProbe probe = new CProbe().include("sys/socket.h");
        Map<String, String> expected = new LinkedHashMap<>();
        constants.forEach((name, value) -> {
            probe.number(name, name);
            expected.put(name, Long.toString(value));
        });
        assertEquals(expected, probe.run(dir));
    }

    @Test
    void severalDescriptorsTravelWithTheFirstByteOfAMessage() throws Exception {
        Path socket = dir.resolve("fds");
        try (Fd listener = Sockets.listenUnix(socket, 1, 0);
             Fd client = Sockets.connectUnix(socket, 0);
             Fd server = Sockets.accept(listener.get(), 0);
             Pipes.Pipe first = Pipes.pipe(Libc.O_CLOEXEC);
             Pipes.Pipe second = Pipes.pipe(Libc.O_CLOEXEC);
             Arena arena = Arena.ofConfined()) {
            byte[] payload = new byte[300];
            Arrays.fill(payload, (byte) 7);
            Sockets.sendFds(client.get(), payload, first.write().get(), second.write().get());
            // The descriptors come with the first read; the rest of the payload follows as plain bytes.
            Sockets.ReceivedFd received = Sockets.receiveFd(server.get(), 12);
            try (Fd copy = received.fd()) {
                assertEquals(12, received.payload().length);
                Libc.write(copy.get(), arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 'a'));
                MemorySegment one = arena.allocate(1);
                assertEquals(1, Libc.read(first.read().get(), one));
                assertEquals('a', one.get(ValueLayout.JAVA_BYTE, 0));
            }
            MemorySegment rest = arena.allocate(288);
            assertEquals(288, Libc.read(server.get(), rest));
            assertEquals(7, rest.get(ValueLayout.JAVA_BYTE, 287));
        }
    }

    @Test
    void sendingToAClosedPeerIsEpipeNotSigpipe() throws Exception {
        Fd[] pair = Sockets.socketPair();
        try (Fd a = pair[0]; Fd b = pair[1]; Pipes.Pipe pipe = Pipes.pipe(Libc.O_CLOEXEC)) {
            b.close();
            SyscallException gone = assertThrows(SyscallException.class,
                    () -> Sockets.sendFds(a.get(), new byte[] {1}, pipe.write().get()));
            assertTrue(gone.is(Errno.EPIPE), gone.getMessage());
        }
    }

    @Test
    void connectingWhereNobodyListensFailsWithTheErrno() {
        SyscallException missing = assertThrows(SyscallException.class,
                () -> Sockets.connectUnix(dir.resolve("nobody"), 0));
        assertTrue(missing.is(Errno.ENOENT), missing.getMessage());
    }

    @Test
    void tooManyDescriptorsAreRefusedBeforeAnythingIsSent() {
        assertThrows(IllegalArgumentException.class,
                () -> Sockets.sendFds(0, new byte[] {1}, new int[Sockets.MAX_FDS_PER_MESSAGE + 1]));
        assertThrows(IllegalArgumentException.class, () -> Sockets.sendFds(0, new byte[0], 1));
    }
}
