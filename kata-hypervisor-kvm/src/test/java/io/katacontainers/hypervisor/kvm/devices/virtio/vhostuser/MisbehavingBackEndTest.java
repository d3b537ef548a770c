package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Sockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Back ends that break the protocol (virtiofsd only does this when it is buggy, so these peers are scripted):
 * the front end must fail with a message that says what went wrong, never hang or accept garbage.
 */
class MisbehavingBackEndTest {
    private static final Duration REPLY_TIMEOUT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    /** What the scripted peer does with the first request it reads. */
    private interface Script {
        void answer(Fd connection, Arena arena) throws Exception;
    }

    @Test
    void aReplyToAnotherRequestIsRejected() throws Exception {
        String message = failureOf(reply(VhostUserRequest.GET_QUEUE_NUM.code(), VhostUserMessage.REPLY | 1, 8));
        assertTrue(message.contains("instead of GET_FEATURES"), message);
    }

    @Test
    void aMessageWithoutTheReplyFlagIsRejected() throws Exception {
        String message = failureOf(reply(VhostUserRequest.GET_FEATURES.code(), 1, 8));
        assertTrue(message.contains("without the reply flag"), message);
    }

    @Test
    void anOversizedPayloadIsRejectedBeforeItIsRead() throws Exception {
        String message = failureOf(reply(VhostUserRequest.GET_FEATURES.code(), VhostUserMessage.REPLY | 1, 1 << 20));
        assertTrue(message.contains("a payload of 1048576 bytes"), message);
    }

    @Test
    void aShortPayloadIsRejected() throws Exception {
        String message = failureOf(reply(VhostUserRequest.GET_FEATURES.code(), VhostUserMessage.REPLY | 1, 4));
        assertTrue(message.contains("malformed GET_FEATURES reply"), message);
    }

    @Test
    void silenceTimesOut() throws Exception {
        String message = failureOf((connection, arena) -> Thread.sleep(REPLY_TIMEOUT.toMillis() * 3));
        assertTrue(message.contains("did not answer GET_FEATURES within 500 ms"), message);
    }

    @Test
    void hangingUpIsReportedAsSuch() throws Exception {
        String message = failureOf((connection, arena) -> {
            Libc.read(connection.get(), arena.allocate(VhostUserMessage.HEADER_SIZE));
            connection.close();
        });
        assertTrue(message.contains("closed the connection"), message);
    }

    @Test
    void nobodyListeningIsReportedWithThePath() {
        VhostUserException failure = assertThrows(VhostUserException.class,
                () -> VhostUserFrontend.connect(dir.resolve("absent.sock"), REPLY_TIMEOUT));
        assertTrue(failure.getMessage().contains(dir.resolve("absent.sock").toString()), failure.getMessage());
    }

    /** Reads the request header, then sends a header with these fields and {@code size} payload bytes. */
    private static Script reply(int request, int flags, int size) {
        return (connection, arena) -> {
            Libc.read(connection.get(), arena.allocate(VhostUserMessage.HEADER_SIZE));
            // One write: the front end may hang up right after the header, and a second write would then fail.
            MemorySegment message = arena.allocate(VhostUserMessage.HEADER_SIZE + Math.min(size, 64));
            message.set(ValueLayout.JAVA_INT, 0, request);
            message.set(ValueLayout.JAVA_INT, 4, flags);
            message.set(ValueLayout.JAVA_INT, 8, size);
            Libc.write(connection.get(), message);
        };
    }

    /** Runs the peer on a thread, connects, and returns the front end's failure message. */
    private String failureOf(Script script) throws Exception {
        Path socket = dir.resolve("backend.sock");
        try (Fd listener = Sockets.listenUnix(socket, 1, 0)) {
            CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
                try (Fd connection = Sockets.accept(listener.get(), 0); Arena arena = Arena.ofConfined()) {
                    script.answer(connection, arena);
                } catch (Exception e) {
                    throw new IllegalStateException("scripted back end failed", e);
                }
            });
            VhostUserException failure = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(VhostUserException.class,
                            () -> VhostUserFrontend.connect(socket, REPLY_TIMEOUT)));
            assertTrue(failure.getMessage().contains(socket.toString()), "names the socket: " + failure.getMessage());
            peer.get(10, TimeUnit.SECONDS);
            return failure.getMessage();
        } finally {
            Files.deleteIfExists(socket);
            assertFalse(Files.exists(socket));
        }
    }
}
