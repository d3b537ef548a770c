package io.katacontainers.agent.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The monitor on real inotify: a plain directory stands in for the cgroup (the kernel notifies a cgroup's
 * memory.events change to directory watchers the same way).
 */
@Timeout(60)
class OomMonitorTest {
    @TempDir
    Path dir;

    private Path cgroup(String name, long kills) throws Exception {
        Path cgroup = Files.createDirectories(dir.resolve(name));
        setKills(cgroup, kills);
        return cgroup;
    }

    private static void setKills(Path cgroup, long kills) throws Exception {
        Files.writeString(cgroup.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom " + kills + "\noom_kill "
                + kills + "\n");
    }

    @Test
    void eachRiseOfTheKillCounterNamesTheContainerOnce() throws Exception {
        try (OomMonitor monitor = OomMonitor.start()) {
            Path a = cgroup("a", 2);
            Path b = cgroup("b", 0);
            monitor.watch("a", new CgroupDir(a));
            monitor.watch("b", new CgroupDir(b));
            var next = CompletableFuture.supplyAsync(() -> take(monitor));

            setKills(a, 2); // touched, but no new kill: the count before watching is not an event
            Files.writeString(b.resolve("memory.current"), "1\n"); // another file
            assertThrows(TimeoutException.class, () -> next.get(2, TimeUnit.SECONDS));

            setKills(b, 1);
            assertEquals("b", next.get(30, TimeUnit.SECONDS));
            setKills(a, 3);
            assertEquals("a", monitor.next());
        }
    }

    @Test
    void aKillJustBeforeTheContainerIsForgottenIsStillReported() throws Exception {
        try (OomMonitor monitor = OomMonitor.start()) {
            Path c = cgroup("c", 0);
            monitor.watch("c", new CgroupDir(c));
            monitor.forget("c"); // nothing yet
            monitor.watch("c", new CgroupDir(c));
            // Written by another path than the watched directory's events: forget's last look must see it.
            Path events = c.resolve("memory.events");
            Files.move(Files.writeString(dir.resolve("events.new"), "oom_kill 1\n"), events,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            monitor.forget("c");
            assertEquals("c", monitor.next());
        }
    }

    private static String take(OomMonitor monitor) {
        try {
            return monitor.next();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
