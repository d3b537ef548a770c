package io.katacontainers.api.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessLauncherTest {
    private static final Optional<Path> SETPRIV = Optional.of(Path.of("/usr/bin/setpriv"));

    @TempDir
    Path dir;

    @Test
    void wrapsCommandsWithParentDeathSignal() {
        try (ProcessLauncher launcher = new ProcessLauncher(SETPRIV, "t")) {
            assertEquals(List.of("/usr/bin/setpriv", "--pdeathsig", "SIGKILL", "--", "qemu", "-x"),
                    launcher.wrap(List.of("qemu", "-x")));
        }
        try (ProcessLauncher launcher = new ProcessLauncher(Optional.empty(), "t")) {
            assertEquals(List.of("qemu"), launcher.wrap(List.of("qemu")));
        }
    }

    @Test
    void aSetprivThatIsNotExecutableIsRefusedNamingThePackage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ProcessLauncher(Optional.of(dir.resolve("setpriv")), "t"));
        assertTrue(e.getMessage().contains(dir.resolve("setpriv") + " is not an executable file"), e::getMessage);
        assertTrue(e.getMessage().contains("util-linux"), e::getMessage);
    }

    @Test
    void findsProgramsOnPath() {
        Path setpriv = ProcessLauncher.findOnPath("setpriv").orElseThrow();
        assertEquals("setpriv", setpriv.getFileName().toString());
        assertTrue(java.nio.file.Files.isExecutable(setpriv), setpriv::toString);
        assertEquals(Optional.empty(), ProcessLauncher.findOnPath("no-such-program-here"));
    }

    @Test
    void closeKillsAndReapsEveryChild() throws IOException {
        ProcessLauncher launcher = new ProcessLauncher(SETPRIV, "t");
        ChildProcess a = launcher.launch("a", List.of("sleep", "60"), dir.resolve("a.log"));
        ChildProcess b = launcher.launch("b", List.of("sleep", "60"), dir.resolve("b.log"));
        launcher.close();
        launcher.close();
        assertFalse(a.isAlive());
        assertFalse(b.isAlive());
        assertFalse(new File("/proc/" + a.pid()).exists(), "reaped, not a zombie");
        assertThrows(IllegalStateException.class, () -> launcher.launch("c", List.of("true"), dir.resolve("c.log")));
    }

    @Test
    void outputGoesToTheLog() throws Exception {
        try (ProcessLauncher launcher = new ProcessLauncher(SETPRIV, "t")) {
            ChildProcess child = launcher.launch("echo", List.of("sh", "-c", "echo hello; echo world >&2"),
                    dir.resolve("echo.log"));
            assertTrue(child.awaitExit(Duration.ofSeconds(5)));
            assertEquals("hello\nworld\n", child.logTail(100));
        }
    }

    @Test
    void missingBinaryIsAnIOExceptionNamingTheProcess() {
        try (ProcessLauncher launcher = new ProcessLauncher(Optional.empty(), "t")) {
            IOException e = assertThrows(IOException.class,
                    () -> launcher.launch("qemu", List.of("/nonexistent/qemu"), dir.resolve("q.log")));
            assertTrue(e.getMessage().contains("cannot start qemu"), e::getMessage);
        }
    }

    @Test
    void awaitPathFailsFastWhenTheProcessExitsAndQuotesItsOutput() throws IOException {
        try (ProcessLauncher launcher = new ProcessLauncher(SETPRIV, "t")) {
            ChildProcess child = launcher.launch("daemon", List.of("sh", "-c", "echo bad option; exit 3"),
                    dir.resolve("d.log"));
            IOException e = assertThrows(IOException.class,
                    () -> child.awaitPath(dir.resolve("never.sock"), Instant.now().plusSeconds(10)));
            assertTrue(e.getMessage().contains("status 3"), e::getMessage);
            assertTrue(e.getMessage().contains("bad option"), e::getMessage);
        }
    }

    @Test
    void awaitPathWakesWhenThePathAppearsAndGivesUpAtTheDeadline() throws Exception {
        try (ProcessLauncher launcher = new ProcessLauncher(SETPRIV, "t")) {
            Path ready = dir.resolve("ready.sock");
            ChildProcess child = launcher.launch("daemon", List.of("sh", "-c",
                    "sleep 0.3; : > " + ready + "; exec sleep 600"), dir.resolve("d.log"));
            long start = System.nanoTime();
            child.awaitPath(ready, Instant.now().plusSeconds(60));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "woken by the creation");
            start = System.nanoTime();
            IOException late = assertThrows(IOException.class,
                    () -> child.awaitPath(dir.resolve("never.sock"), Instant.now().plusMillis(300)));
            assertTrue(late.getMessage().contains("in time"), late::getMessage);
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(250).toNanos(), "waited for the deadline");
        }
    }

    @Test
    void terminateEscalatesToSigkill() throws Exception {
        try (ProcessLauncher launcher = new ProcessLauncher(SETPRIV, "t")) {
            ChildProcess stubborn = launcher.launch("stubborn",
                    List.of("sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"), dir.resolve("s.log"));
            while (!stubborn.logTail(100).contains("ready")) {
                Thread.sleep(10);
            }
            stubborn.terminate(Duration.ofMillis(200));
            assertFalse(stubborn.isAlive());
        }
    }

    @Test
    void terminateReapsThroughAnInterruptAndKeepsIt() throws Exception {
        try (ProcessLauncher launcher = new ProcessLauncher(SETPRIV, "t")) {
            ChildProcess child = launcher.launch("sleep", List.of("sleep", "60"), dir.resolve("s.log"));
            Thread.currentThread().interrupt();
            child.terminate(Duration.ofSeconds(5));
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
            assertFalse(child.isAlive());
            assertFalse(new File("/proc/" + child.pid()).exists(), "reaped, not a zombie");
            assertEquals("exited with status 143", child.exitDescription(), "SIGTERM sufficed");
        }
    }

    /**
     * The kernel sends the parent-death signal when the forking <em>thread</em> ends. This is why the launcher
     * forks on a thread of its own: a plain fork from a short-lived thread loses its child with the thread.
     */
    @Test
    void parentDeathSignalFollowsTheForkingThread() throws Exception {
        AtomicReference<Process> plain = new AtomicReference<>();
        Thread shortLived = Thread.ofPlatform().start(() -> {
            try {
                plain.set(new ProcessBuilder("/usr/bin/setpriv", "--pdeathsig", "SIGKILL", "--", "sleep", "60")
                        .start());
                // setpriv sets the signal after its exec: give it time, or the thread ends before it is armed.
                Thread.sleep(500);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        shortLived.join();
        Process orphaned = plain.get();
        assertTrue(orphaned.waitFor(5, java.util.concurrent.TimeUnit.SECONDS),
                "a child forked by an ended thread gets its parent-death signal");

        try (ProcessLauncher launcher = new ProcessLauncher(SETPRIV, "t")) {
            AtomicReference<ChildProcess> viaLauncher = new AtomicReference<>();
            Thread caller = Thread.ofPlatform().start(() -> {
                try {
                    viaLauncher.set(launcher.launch("sleep", List.of("sleep", "60"), dir.resolve("sleep.log")));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            caller.join();
            assertFalse(viaLauncher.get().awaitExit(Duration.ofMillis(500)),
                    "the launcher's child outlives the thread that asked for it");
        }
    }
}
