package io.katacontainers.api.virtiofs;

import io.katacontainers.api.process.ChildProcess;
import io.katacontainers.api.process.ProcessLauncher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real C virtiofsd, started behind setpriv as the drivers start it. */
class VirtiofsDaemonTest {
    static final Path VIRTIOFSD = Path.of("/usr/lib/qemu/virtiofsd");
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private Path shared;
    private ProcessLauncher launcher;

    @BeforeEach
    void setUp() throws IOException {
        shared = Files.createDirectories(dir.resolve("shared"));
        launcher = new ProcessLauncher(Optional.of(SETPRIV), "virtiofsd-test");
    }

    @AfterEach
    void tearDown() {
        launcher.close();
    }

    @ParameterizedTest
    @EnumSource(VirtiofsCache.class)
    void startsWithEachCacheModeAndStopRemovesTheSocketAndReapsIt(VirtiofsCache cache) throws Exception {
        VirtiofsDaemon daemon = start(new VirtiofsdCommand(VIRTIOFSD, dir.resolve("vfs.sock"), shared, cache,
                VirtiofsdCommand.DEFAULT_SANDBOX, List.of("--thread-pool-size=1")));
        ChildProcess process = daemon.process();
        assertTrue(process.isAlive());
        assertTrue(Files.exists(daemon.socket()), "ready means its socket exists");
        // No front end ever connects, so it does not exit by itself: SIGTERM ends it.
        daemon.stop(Duration.ofMillis(100));
        assertGone(process, daemon.socket());
        daemon.close();
    }

    @Test
    void aStaleSocketIsNotMistakenForAReadyDaemon() throws Exception {
        Path socket = Files.createFile(dir.resolve("vfs.sock"));
        try (VirtiofsDaemon daemon = start(command(socket, List.of()))) {
            assertFalse(Files.isRegularFile(socket), "start waited for the daemon's own socket");
        }
        assertFalse(Files.exists(socket));
    }

    @Test
    void aDaemonThatCannotStartReportsItsLogAndLeavesNothing() {
        Path socket = dir.resolve("vfs.sock");
        IOException failure = assertThrows(IOException.class,
                () -> start(command(socket, List.of("--no-such-option"))));
        assertTrue(failure.getMessage().startsWith("virtiofsd (pid "), failure.getMessage());
        assertTrue(failure.getMessage().contains("exited with status"), failure.getMessage());
        assertTrue(failure.getMessage().contains("its log " + dir.resolve("virtiofsd.log")), failure.getMessage());
        assertTrue(failure.getMessage().contains("no-such-option"), "the daemon's own complaint is quoted: "
                + failure.getMessage());
        assertGone(launcher.children().getFirst(), socket);
    }

    @Test
    void aDaemonLateForItsDeadlineIsKilled() throws IOException {
        Path socket = dir.resolve("vfs.sock");
        // A daemon that never makes its socket (a real virtiofsd can make it before the first look at a deadline
        // of now, and so is not late).
        Path sleeper = Files.writeString(dir.resolve("late-virtiofsd"), "#!/bin/sh\nexec sleep 60\n");
        Files.setPosixFilePermissions(sleeper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        IOException failure = assertThrows(IOException.class, () -> VirtiofsDaemon.start(launcher,
                new VirtiofsdCommand(sleeper, socket, shared, VirtiofsCache.AUTO, "chroot", List.of()),
                dir.resolve("virtiofsd.log"), Instant.now().plusMillis(300)));
        assertTrue(failure.getMessage().contains("did not create " + socket + " in time"), failure.getMessage());
        assertGone(launcher.children().getFirst(), socket);
    }

    @Test
    void aMissingSharedDirectoryIsNamed() {
        Path absent = dir.resolve("absent");
        IOException failure = assertThrows(IOException.class, () -> start(new VirtiofsdCommand(VIRTIOFSD,
                dir.resolve("vfs.sock"), absent, VirtiofsCache.AUTO, "chroot", List.of())));
        assertEquals("shared directory " + absent + " does not exist or is not a directory", failure.getMessage());
        assertEquals(List.of(), launcher.children(), "nothing started");
    }

    @Test
    void aMissingDaemonBinaryIsNamedWithThePackage() {
        Path missing = dir.resolve("no-virtiofsd");
        IOException failure = assertThrows(IOException.class, () -> start(new VirtiofsdCommand(missing,
                dir.resolve("vfs.sock"), shared, VirtiofsCache.AUTO, "chroot", List.of())));
        assertTrue(failure.getMessage().contains(missing + " is not an executable file"), failure.getMessage());
        assertTrue(failure.getMessage().contains("qemu-system-common"), failure.getMessage());
        assertEquals(List.of(), launcher.children(), "nothing started");
    }

    private VirtiofsdCommand command(Path socket, List<String> extraArgs) {
        return VirtiofsdCommand.withDefaultSandbox(VIRTIOFSD, socket, shared, VirtiofsCache.AUTO, extraArgs);
    }

    private VirtiofsDaemon start(VirtiofsdCommand command) throws IOException, InterruptedException {
        return VirtiofsDaemon.start(launcher, command, dir.resolve("virtiofsd.log"), Instant.now().plus(TIMEOUT));
    }

    private static void assertGone(ChildProcess process, Path socket) {
        assertFalse(process.isAlive());
        assertFalse(Files.exists(Path.of("/proc", Long.toString(process.pid()))), "reaped, not a zombie");
        assertFalse(Files.exists(socket), "socket removed");
    }
}
