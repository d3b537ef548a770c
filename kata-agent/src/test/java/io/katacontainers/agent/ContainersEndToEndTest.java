package io.katacontainers.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.GetIPTablesRequest;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent on the host with runc, driven over its unix socket exactly as a shim drives it over vsock: containers
 * run, their streams and exit codes come back, signals and waits behave as Kata's agent's do.
 */
class ContainersEndToEndTest {
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    @TempDir
    static Path dir;
    static Path rootfs;
    static AgentProcess agentProcess;
    static AgentClient agent;

    @BeforeAll
    static void startAgent() throws Exception {
        rootfs = BusyboxRootfs.create(dir.resolve("rootfs"));
        agentProcess = AgentProcess.start(dir);
        agent = agentProcess.agent();
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agentProcess != null) {
            agentProcess.close();
        }
    }

    @Test
    void containerOutputAndExitCodeComeBack() throws Exception {
        agent.run("hello", Specs.busybox(rootfs, List.of("sh", "-c", "echo hello; echo oops >&2; exit 3")));
        assertEquals("hello\n", agent.stdout("hello", ""));
        assertEquals("oops\n", agent.stderr("hello", ""));
        assertEquals(3, agent.await("hello", ""));
        agent.remove("hello");
        assertFalse(Files.exists(agentProcess.stateDir().resolve("hello")), "the bundle is removed");
    }

    @Test
    void sixteenMebibytesOfStdoutArriveByteExact() throws Exception {
        byte[] data = new byte[16 * 1024 * 1024];
        new Random(42).nextBytes(data);
        Files.write(rootfs.resolve("data.bin"), data);
        agent.run("big", Specs.busybox(rootfs, List.of("cat", "/data.bin")));
        long start = System.nanoTime();
        byte[] received = agent.readAll("big", "", true);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("16 MiB stdout through the agent in %d ms%n", millis);
        assertEquals(data.length, received.length);
        assertArrayEquals(data, received);
        assertEquals(0, agent.await("big", ""));
        agent.remove("big");
    }

    @Test
    void stdinIsPipedThroughAndCloseStdinGivesEndOfFile() throws Exception {
        byte[] input = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(input);
        agent.run("stdin", Specs.busybox(rootfs, List.of("sh", "-c", "cat; echo; echo stdin-closed")));
        // Read while writing: cat stops reading its stdin while nobody drains its stdout.
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readAll("stdin"));
        int written = 0;
        for (int offset = 0; offset < input.length; offset += 100_000) {
            byte[] chunk = Arrays.copyOfRange(input, offset, Math.min(input.length, offset + 100_000));
            written += agent.write("stdin", "", chunk);
        }
        assertEquals(input.length, written);
        agent.closeStdin("stdin", "");
        byte[] received = output.get(60, TimeUnit.SECONDS);
        byte[] expectedTail = "\nstdin-closed\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(input.length + expectedTail.length, received.length);
        assertArrayEquals(input, Arrays.copyOf(received, input.length));
        assertArrayEquals(expectedTail, Arrays.copyOfRange(received, input.length, received.length));
        assertEquals(0, agent.await("stdin", ""));
        agent.remove("stdin");
    }

    @Test
    void execAndSignalsReportLikeKata() throws Exception {
        agent.run("sig", Specs.busybox(rootfs, List.of("sleep", "1000")));

        agent.exec("sig", "e1", Specs.process(List.of("sh", "-c", "echo from-exec; exit 5")));
        assertEquals("from-exec\n", agent.stdout("sig", "e1"));
        assertEquals(5, agent.await("sig", "e1"));

        agent.exec("sig", "e2", Specs.process(List.of("sleep", "1000")));
        agent.signal("sig", "e2", SIGKILL);
        assertEquals(137, agent.await("sig", "e2"), "SIGKILL: 128 + 9");

        agent.exec("sig", "e3", Specs.process(List.of("sh", "-c",
                "trap 'echo caught; exit 42' TERM; echo ready; while true; do sleep 0.05; done")));
        assertEquals("ready\n", new String(agent.read("sig", "e3", true, 64), StandardCharsets.UTF_8));
        agent.signal("sig", "e3", SIGTERM);
        assertEquals("caught\n", agent.stdout("sig", "e3"));
        assertEquals(42, agent.await("sig", "e3"), "a handled SIGTERM stays SIGTERM");

        StatusException gone = assertThrows(StatusException.class, () -> agent.await("sig", "e3"));
        assertEquals(Code.NOT_FOUND, gone.code(), "an exec is forgotten once waited for");

        // sleep, the init of the container's pid namespace, has no SIGTERM handler: Kata sends SIGKILL instead.
        agent.signal("sig", "", SIGTERM);
        assertEquals(137, agent.await("sig", ""));
        agent.remove("sig");
    }

    @Test
    void sigkillWithoutExecIdKillsEveryProcessOfTheContainer() throws Exception {
        agent.run("all", Specs.busybox(rootfs, List.of("sh", "-c", "sleep 1000 & sleep 1000 & wait")));
        agent.exec("all", "x", Specs.process(List.of("sleep", "1000")));
        agent.signal("all", "", SIGKILL);
        assertEquals(137, agent.await("all", ""));
        assertEquals(137, agent.await("all", "x"));
        agent.remove("all");
    }

    @Test
    void waitAfterTheProcessExitedStillReportsItsStatus() throws Exception {
        agent.run("early", Specs.busybox(rootfs, List.of("sh", "-c", "echo bye; exit 7")));
        assertEquals("bye\n", agent.stdout("early", ""));
        Thread.sleep(500);
        assertEquals(7, agent.await("early", ""));
        assertEquals(7, agent.await("early", ""), "the init's status stays until RemoveContainer");
        StatusException stopped = assertThrows(StatusException.class, () -> agent.exec("early", "late",
                Specs.process(List.of("true"))), "no exec into a stopped container");
        assertEquals(Code.INTERNAL, stopped.code());
        agent.remove("early");
    }

    @Test
    void theInitAnswersToTheExecIdOfCreateContainerAsKatasRuntimeUsesIt() throws Exception {
        agent.createContainer("named", "named-init", Specs.busybox(rootfs, List.of("sh", "-c",
                "read line; echo got:$line; exit 4")), List.of());
        agent.startContainer("named");
        agent.write("named", "named-init", "hi\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("got:hi\n", agent.stdout("named", "named-init"));
        assertEquals(4, agent.await("named", "named-init"));
        assertEquals(4, agent.await("named", ""), "the same process under the empty id, still there after a wait");
        StatusException taken = assertThrows(StatusException.class, () -> agent.exec("named", "named-init",
                Specs.process(List.of("true"))), "the init's exec id is not free for an exec");
        assertFalse(taken.getMessage().isEmpty());
        agent.remove("named");
    }

    @Test
    void pauseFreezesAndResumeThawsTheContainer() throws Exception {
        Path runtimeRoot = agentProcess.stateDir().resolve(".agent/runtime");
        agent.createContainer("frozen", Specs.busybox(rootfs, List.of("sh", "-c", "read line; echo got:$line")),
                List.of());
        StatusException early = assertThrows(StatusException.class, () -> agent.pause("frozen"));
        assertTrue(early.getMessage().contains("not started"), early.getMessage());
        agent.startContainer("frozen");
        agent.pause("frozen");
        assertEquals("paused", RuncState.status(runtimeRoot, "frozen"));
        agent.resume("frozen");
        assertEquals("running", RuncState.status(runtimeRoot, "frozen"));
        agent.write("frozen", "", "thawed\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("got:thawed\n", agent.stdout("frozen", ""));
        assertEquals(0, agent.await("frozen", ""));
        agent.remove("frozen");
    }

    @Test
    void terminalProcessesGetAPtyThatResizes() throws Exception {
        var spec = Specs.withTerminal(Specs.busybox(rootfs, List.of("sh", "-c",
                "stty size; read line; stty size; echo got:$line")), 24, 80);
        agent.run("tty", spec);
        assertEquals("24 80", readLine("tty", ""));
        agent.resize("tty", "", 30, 100);
        agent.write("tty", "", "hello\n".getBytes(StandardCharsets.UTF_8));
        String rest = agent.stdout("tty", "");
        assertTrue(rest.contains("30 100\r\n"), rest);
        assertTrue(rest.contains("got:hello\r\n"), rest);
        assertEquals(0, agent.await("tty", ""));

        StatusException noTty = assertThrows(StatusException.class, () -> agent.resize("no-such-container", "", 1, 1));
        assertEquals(Code.INVALID_ARGUMENT, noTty.code(), "unknown container");
        agent.remove("tty");
    }

    @Test
    void closingATerminalsStdinSendsEndOfFile() throws Exception {
        agent.run("ttycat", Specs.busybox(rootfs, List.of("sleep", "1000")));
        agent.exec("ttycat", "cat", Specs.process(List.of("cat")).toBuilder().setTerminal(true).build());
        agent.write("ttycat", "cat", "abc\n".getBytes(StandardCharsets.UTF_8));
        agent.closeStdin("ttycat", "cat");
        assertEquals(0, agent.await("ttycat", "cat"), "cat ends at the terminal's end of file");
        agent.exec("ttycat", "pipes", Specs.process(List.of("true")));
        StatusException noTty = assertThrows(StatusException.class, () -> agent.resize("ttycat", "pipes", 1, 1));
        assertEquals(Code.UNAVAILABLE, noTty.code());
        agent.await("ttycat", "pipes");
        agent.signal("ttycat", "", SIGKILL);
        agent.remove("ttycat");
    }

    @Test
    void unimplementedRpcsAnswerUnimplemented() {
        StatusException known = assertThrows(StatusException.class, () -> agentProcess.client().call(
                AgentClient.SERVICE, "GetIPTables", GetIPTablesRequest.getDefaultInstance(), Empty.parser(),
                CallOptions.ofTimeout(Duration.ofSeconds(5))));
        assertEquals(Code.UNIMPLEMENTED, known.code());
        StatusException unknown = assertThrows(StatusException.class, () -> agentProcess.client().call(
                "grpc.NoSuchService", "Nothing", Empty.getDefaultInstance(), Empty.parser(),
                CallOptions.ofTimeout(Duration.ofSeconds(5))));
        assertEquals(Code.UNIMPLEMENTED, unknown.code());
    }

    @Test
    void unknownContainersAndProcessesAreReportedAsKataDoes() {
        StatusException container = assertThrows(StatusException.class, () -> agent.await("nobody", ""));
        assertEquals(Code.INVALID_ARGUMENT, container.code());
        StatusException badId = assertThrows(StatusException.class, () -> agent.run("../etc",
                Specs.busybox(rootfs, List.of("true"))));
        assertEquals(Code.INVALID_ARGUMENT, badId.code());
    }

    @Test
    void noZombiesAfterAHundredShortProcesses() throws Exception {
        agent.run("reap", Specs.busybox(rootfs, List.of("sleep", "1000")));
        for (int i = 0; i < 100; i++) {
            String exec = "short" + i;
            agent.exec("reap", exec, Specs.process(List.of("sh", "-c", "exit " + (i % 7))));
            assertEquals(i % 7, agent.await("reap", exec));
        }
        for (int i = 0; i < 5; i++) {
            String id = "brief" + i;
            agent.run(id, Specs.busybox(rootfs, List.of("true")));
            assertEquals(0, agent.await(id, ""));
            agent.remove(id);
        }
        agent.signal("reap", "", SIGKILL);
        assertEquals(137, agent.await("reap", ""));
        agent.remove("reap");
        assertEquals(List.of(), Zombies.childrenOf(agentProcess.pid()), "zombie children of the agent");
    }

    private static byte[] readAll(String id) {
        try {
            return agent.readAll(id, "", true);
        } catch (StatusException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a terminal's output up to the first CRLF. */
    private static String readLine(String id, String execId) throws StatusException {
        var line = new ByteArrayOutputStream();
        while (!line.toString(StandardCharsets.UTF_8).contains("\r\n")) {
            byte[] chunk = agent.read(id, execId, true, 1);
            if (chunk.length == 0) {
                break;
            }
            line.writeBytes(chunk);
        }
        return line.toString(StandardCharsets.UTF_8).strip();
    }
}
