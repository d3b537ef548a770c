package io.katacontainers.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.CloseStdinRequest;
import io.katacontainers.agent.proto.ReadStreamRequest;
import io.katacontainers.agent.proto.ReadStreamResponse;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.FakeAgent;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessIoTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger(ProcessIo.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final CountDownLatch never = new CountDownLatch(1);

    @BeforeEach
    void captureWarnings() {
        logger.addHandler(capture);
    }

    @AfterEach
    void release() {
        logger.removeHandler(capture);
        never.countDown();
    }

    private FakeAgent agent(FakeAgentReads stdout) throws Exception {
        return FakeAgent.serve(dir.resolve("agent.sock"), FakeAgent.service()
                .method("ReadStdout", ReadStreamRequest.parser(), (request, context) -> stdout.read())
                .method("ReadStderr", ReadStreamRequest.parser(),
                        (request, context) -> ReadStreamResponse.getDefaultInstance())
                .method("CloseStdin", CloseStdinRequest.parser(), (request, context) -> Empty.getDefaultInstance()));
    }

    @FunctionalInterface
    private interface FakeAgentReads {
        ReadStreamResponse read() throws Exception;
    }

    private static ReadStreamResponse data(String text) {
        return ReadStreamResponse.newBuilder().setData(ByteString.copyFrom(text, StandardCharsets.UTF_8)).build();
    }

    @Test
    void outputUpToTheEndOfStreamIsComplete() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        var out = new ByteArrayOutputStream();
        try (FakeAgent agent = agent(() -> reads.getAndIncrement() == 0 ? data("all of it")
                : ReadStreamResponse.getDefaultInstance()); AgentClient client = agent.client()) {
            ProcessIo io = ProcessIo.attach(client, "c", "e", false, InputStream.nullInputStream(), out,
                    new ByteArrayOutputStream());
            assertTrue(io.awaitOutput(WAIT));
        }
        assertEquals("all of it", out.toString(StandardCharsets.UTF_8));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aStreamTheAgentBrokeOffIsIncompleteAndSaysSo() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        try (FakeAgent agent = agent(() -> {
            if (reads.getAndIncrement() == 0) {
                return data("the first half");
            }
            throw new StatusException(Code.INTERNAL, "the pipe broke");
        }); AgentClient client = agent.client()) {
            ProcessIo io = ProcessIo.attach(client, "c", "e", false, InputStream.nullInputStream(),
                    new ByteArrayOutputStream(), new ByteArrayOutputStream());
            assertFalse(io.awaitOutput(WAIT), "the output was truncated");
        }
        assertTrue(warnings.stream().anyMatch(record -> record.getMessage().contains("incomplete")), "warned");
    }

    @Test
    void outputStillFlowingWhenTheWaitEndsIsIncompleteAndSaysSo() throws Exception {
        try (FakeAgent agent = agent(() -> {
            never.await();
            return ReadStreamResponse.getDefaultInstance();
        }); AgentClient client = agent.client()) {
            ProcessIo io = ProcessIo.attach(client, "c", "e", false, InputStream.nullInputStream(),
                    new ByteArrayOutputStream(), new ByteArrayOutputStream());
            assertFalse(io.awaitOutput(Duration.ofMillis(50)));
        }
        assertTrue(warnings.stream().anyMatch(record -> record.getMessage().contains("incomplete")), "warned");
    }

    @Test
    void outputThatKeepsFlowingIsCopiedToItsEndWhateverItTakes() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        var out = new ByteArrayOutputStream();
        // 12 chunks 100 ms apart: 1.2 s of output, four times the stall time, and none of it lost.
        try (FakeAgent agent = agent(() -> {
            int n = reads.getAndIncrement();
            if (n >= 12) {
                return ReadStreamResponse.getDefaultInstance();
            }
            Thread.sleep(100); // a slow guest
            return data("chunk" + n + ";");
        }); AgentClient client = agent.client()) {
            ProcessIo io = ProcessIo.attach(client, "c", "e", false, InputStream.nullInputStream(), out,
                    new ByteArrayOutputStream());
            assertTrue(io.awaitOutputWhileFlowing(Duration.ofMillis(300)));
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).endsWith("chunk11;"), out::toString);
        assertEquals(List.of(), warnings);
    }

    @Test
    void outputThatStandsStillEndsTheWaitAfterTheStallAndSaysSo() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        try (FakeAgent agent = agent(() -> {
            if (reads.getAndIncrement() == 0) {
                return data("a leftover writer keeps the stream open");
            }
            never.await();
            return ReadStreamResponse.getDefaultInstance();
        }); AgentClient client = agent.client()) {
            ProcessIo io = ProcessIo.attach(client, "c", "e", false, InputStream.nullInputStream(),
                    new ByteArrayOutputStream(), new ByteArrayOutputStream());
            long start = System.nanoTime();
            assertFalse(io.awaitOutputWhileFlowing(Duration.ofMillis(300)));
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(WAIT) < 0, "the wait ended");
        }
        assertTrue(warnings.stream().anyMatch(record -> record.getMessage().contains("incomplete")), "warned");
    }
}
