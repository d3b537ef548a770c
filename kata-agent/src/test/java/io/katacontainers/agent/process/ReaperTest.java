package io.katacontainers.agent.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reaper in this test JVM (surefire gives each test class a JVM of its own: the reaper takes every child).
 */
class ReaperTest {
    @TempDir
    Path dir;
    Reaper reaper;

    @BeforeEach
    void start() throws Exception {
        reaper = Reaper.start();
    }

    @AfterEach
    void stop() {
        reaper.close();
    }

    private Command shell(String script, Redirect stdout) {
        return new Command(Path.of("/bin/sh"), List.of("-c", script), List.of("PATH=/bin:/usr/bin"), dir,
                new Redirect.Null(), stdout, new Redirect.Null());
    }

    @Test
    void spawnedChildrenReportExitCodesAndSignals() throws Exception {
        Child exits = reaper.spawn(shell("exit 3", new Redirect.Null()));
        assertEquals(new Termination.Exited(3), exits.exit().get(10, TimeUnit.SECONDS));
        Child killed = reaper.spawn(shell("kill -9 $$", new Redirect.Null()));
        Termination termination = killed.exit().get(10, TimeUnit.SECONDS);
        assertEquals(new Termination.Signaled(9), termination);
        assertEquals(137, termination.exitStatus());
    }

    @Test
    void anOrphanThatExitsBeforeItIsAdoptedStillReportsItsExit() throws Exception {
        Path pidFile = dir.resolve("pid");
        Path fifo = dir.resolve("fifo");
        long before = System.nanoTime();
        // The grandchild outlives its parent, re-parents to this subreaper and exits before anyone asks for it.
        // It holds the only write end of the FIFO: end of file there is its exit.
        Child parent = reaper.spawn(shell("mkfifo " + fifo + "; (exit 5) > " + fifo + " & echo $! > " + pidFile
                + "; exit 0", new Redirect.Null()));
        assertEquals(new Termination.Exited(0), parent.exit().get(10, TimeUnit.SECONDS));
        int orphan = Integer.parseInt(Files.readString(pidFile).strip());
        try (var exited = Files.newInputStream(fifo)) {
            assertEquals(0, exited.readAllBytes().length);
        }
        assertEquals(new Termination.Exited(5), reaper.adopt(orphan, before).get(10, TimeUnit.SECONDS));
    }

    @Test
    void anAdoptedOrphanIsReapedWhenItExits() throws Exception {
        Path pidFile = dir.resolve("pid");
        long before = System.nanoTime();
        Child parent = reaper.spawn(shell("sleep 30 & echo $! > " + pidFile, new Redirect.Null()));
        parent.exit().get(10, TimeUnit.SECONDS);
        int orphan = Integer.parseInt(Files.readString(pidFile).strip());
        var exit = reaper.adopt(orphan, before);
        Processes.kill(orphan, Processes.SIGTERM);
        assertEquals(143, exit.get(10, TimeUnit.SECONDS).exitStatus());
        assertTrue(Processes.isChildSubreaper());
    }

    @Test
    void outputCanGoToAFile() throws Exception {
        Path out = dir.resolve("out");
        reaper.spawn(shell("echo to-file; pwd", new Redirect.File(out))).exit().get(10, TimeUnit.SECONDS);
        assertEquals("to-file\n" + dir.toRealPath() + "\n", Files.readString(out));
    }
}
