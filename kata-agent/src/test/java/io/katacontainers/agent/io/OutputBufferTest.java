package io.katacontainers.agent.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutputBufferTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsReturnWhatIsThereUpToTheLengthAskedFor() throws Exception {
        var buffer = new OutputBuffer(1024, Duration.ofMillis(500));
        buffer.put(bytes("hello "));
        buffer.put(bytes("world"));
        assertArrayEquals(bytes("hel"), buffer.take(3));
        assertArrayEquals(bytes("lo world"), buffer.take(100));
        buffer.end();
        assertEquals(0, buffer.take(100).length, "end of stream is empty data");
        assertEquals(0, buffer.take(100).length, "and stays so");
    }

    @Test
    void aReadWaitsForData() throws Exception {
        var buffer = new OutputBuffer(1024, Duration.ofMillis(500));
        var read = new CompletableFuture<byte[]>();
        awaitWaiting(Thread.ofPlatform().start(() -> read.complete(take(buffer, 10))));
        assertFalse(read.isDone());
        buffer.put(bytes("x"));
        assertArrayEquals(bytes("x"), read.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aFullBufferHoldsTheWriterBack() throws Exception {
        var buffer = new OutputBuffer(4, Duration.ofMillis(500));
        buffer.put(bytes("1234"));
        var writer = new CompletableFuture<Void>();
        awaitWaiting(Thread.ofPlatform().start(() -> {
            put(buffer, bytes("5"));
            writer.complete(null);
        }));
        assertFalse(writer.isDone(), "the pump waits while the buffer is full");
        assertArrayEquals(bytes("12"), buffer.take(2));
        writer.get(5, TimeUnit.SECONDS);
        assertArrayEquals(bytes("345"), buffer.take(10));
    }

    @Test
    void afterTheProcessExitedAnIdlePipeEndsTheStreamAfterTheDrainTime() throws Exception {
        var buffer = new OutputBuffer(1024, Duration.ofMillis(200));
        buffer.put(bytes("last words"));
        buffer.processExited();
        assertArrayEquals(bytes("last words"), buffer.take(100), "what is buffered still arrives");
        buffer.pumpIdle();
        long start = System.nanoTime();
        assertEquals(0, buffer.take(100).length, "a background child holding the pipe does not block forever");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= 150 && waited < 2000, "waited " + waited + " ms");
        assertTrue(buffer.isAbandoned(), "the pump is told to stop");
    }

    @Test
    void aPumpThatHasNotSeenAnEmptyPipeKeepsTheStreamOpen() throws Exception {
        var buffer = new OutputBuffer(1024, Duration.ofMillis(100));
        buffer.processExited();
        var read = new CompletableFuture<byte[]>();
        // Waiting without a timeout: no drain timer runs while the pump has not reported an empty pipe.
        awaitWaiting(Thread.ofPlatform().start(() -> read.complete(take(buffer, 10))));
        assertFalse(read.isDone(), "a slow pump may still have output to deliver");
        buffer.put(bytes("late"));
        assertArrayEquals(bytes("late"), read.get(5, TimeUnit.SECONDS));
        buffer.pumpIdle();
        assertEquals(0, buffer.take(10).length);
    }

    @Test
    void abandoningWakesAWriterAndDropsData() throws Exception {
        var buffer = new OutputBuffer(2, Duration.ofMillis(200));
        buffer.put(bytes("ab"));
        var writer = CompletableFuture.runAsync(() -> put(buffer, bytes("c")));
        buffer.abandon();
        writer.get(5, TimeUnit.SECONDS);
        assertEquals(0, buffer.take(10).length);
    }

    /** Returns once {@code thread} waits without a timeout (in the buffer: nothing else here can make it wait). */
    private static void awaitWaiting(Thread thread) {
        while (thread.getState() != Thread.State.WAITING) {
            assertTrue(thread.isAlive(), thread.getName() + " ended instead of waiting");
            Thread.onSpinWait();
        }
    }

    private static byte[] take(OutputBuffer buffer, int max) {
        try {
            return buffer.take(max);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void put(OutputBuffer buffer, byte[] data) {
        try {
            buffer.put(data);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
