package io.katacontainers.runtime.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** containerd's FIFOs as the shim holds them, with real FIFOs (mkfifo) and a reader/writer in this process. */
class FifoTest {
    @TempDir
    Path dir;

    private Path mkfifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        return fifo;
    }

    @Test
    void outputWrittenBeforeTheReaderOpensSurvivesUntilItReads() throws Exception {
        Path path = mkfifo("stdout");
        OutputFifo fifo = OutputFifo.open(path); // no reader yet: must not block
        byte[] early = "written before containerd opened its reader\n".getBytes(StandardCharsets.UTF_8);
        fifo.write(early);
        assertEquals(early.length, fifo.unread());
        CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(() -> {
            try {
                return fifo.closeWhenDrained(Duration.ofSeconds(30));
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertFalse(closed.isDone(), "must not close (and lose the output) while nobody read it");
        try (InputStream reader = new FileInputStream(path.toFile())) {
            assertArrayEquals(early, reader.readAllBytes(), "the reader gets everything, then end of file");
        }
        assertTrue(closed.get(10, TimeUnit.SECONDS));
    }

    @Test
    void largeOutputPassesByteExactThroughAFullPipe() throws Exception {
        Path path = mkfifo("big");
        OutputFifo fifo = OutputFifo.open(path);
        byte[] data = new byte[4 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + (i >>> 11));
        }
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try (InputStream reader = new FileInputStream(path.toFile())) {
                return reader.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        fifo.write(data); // blocks on the full pipe until the reader drains it
        assertTrue(fifo.closeWhenDrained(Duration.ofSeconds(30)));
        assertArrayEquals(data, read.get(30, TimeUnit.SECONDS));
    }

    @Test
    void closeWakesAWriterBlockedOnAFullPipeWithNoReader() throws Exception {
        OutputFifo fifo = OutputFifo.open(mkfifo("stuck"));
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                fifo.write(new byte[1 << 20]);
            } catch (IOException e) {
                // expected: closed under it
            }
        });
        Thread.sleep(200);
        assertFalse(writer.isDone(), "the pipe is full: the write waits");
        fifo.close();
        writer.get(5, TimeUnit.SECONDS);
    }

    @Test
    void stdinWaitsForTheWriterAndEndsWhenItCloses() throws Exception {
        Path path = mkfifo("stdin");
        InputFifo fifo = InputFifo.open(path);
        byte[] buffer = new byte[16];
        CompletableFuture<Integer> first = read(fifo, buffer);
        Thread.sleep(200);
        assertFalse(first.isDone(), "no writer yet: the read waits instead of returning end of file");
        try (OutputStream writer = new FileOutputStream(path.toFile())) {
            writer.write("abc".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(3, first.get(5, TimeUnit.SECONDS));
        assertEquals("abc", new String(buffer, 0, 3, StandardCharsets.UTF_8));
        assertEquals(-1, fifo.read(buffer, 0, buffer.length), "the writer closed: end of input");
        fifo.close();
    }

    @Test
    void closeIoEndsTheInputWhileTheWriterStaysOpen() throws Exception {
        Path path = mkfifo("stdin-open");
        InputFifo fifo = InputFifo.open(path);
        byte[] buffer = new byte[16];
        CompletableFuture<Integer> first = read(fifo, buffer);
        try (OutputStream writer = new FileOutputStream(path.toFile())) {
            writer.write("x".getBytes(StandardCharsets.UTF_8));
            writer.flush();
            assertEquals(1, first.get(5, TimeUnit.SECONDS));
            CompletableFuture<Integer> blocked = read(fifo, buffer);
            Thread.sleep(200);
            assertFalse(blocked.isDone(), "the writer is open: the read waits");
            fifo.closeInput(); // CloseIO
            assertEquals(-1, blocked.get(5, TimeUnit.SECONDS), "CloseIO ends the input");
        }
    }

    @Test
    void closeIoReleasesAReaderThatNeverSawAWriter() throws Exception {
        InputFifo fifo = InputFifo.open(mkfifo("stdin-unused"));
        CompletableFuture<Integer> waiting = read(fifo, new byte[4]);
        Thread.sleep(200);
        assertFalse(waiting.isDone());
        fifo.closeInput();
        assertEquals(-1, waiting.get(5, TimeUnit.SECONDS));
    }

    private static CompletableFuture<Integer> read(InputFifo fifo, byte[] buffer) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return fifo.read(buffer, 0, buffer.length);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
