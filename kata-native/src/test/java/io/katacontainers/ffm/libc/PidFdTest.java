package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Waiting on a pidfd: a process's end wakes the waiter, a live one keeps it waiting until the timeout. */
class PidFdTest {
    @Test
    void aKilledProcessEndsTheWaitAndALiveOneTimesOut() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        try {
            long start = System.nanoTime();
            assertFalse(PidFd.awaitExit(sleeper.pid(), Duration.ofMillis(200)), "still running");
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos(), "waited the whole timeout");
            Thread killer = Thread.ofPlatform().start(() -> {
                try {
                    Processes.kill((int) sleeper.pid(), Processes.SIGKILL);
                } catch (SyscallException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(PidFd.awaitExit(sleeper.pid(), Duration.ofSeconds(30)), "the kill ends the wait");
            killer.join();
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
        assertTrue(PidFd.awaitExit(sleeper.pid(), Duration.ZERO), "a process that is gone has exited");
    }

    @Test
    void aProcessThatIsNotAChildCanBeWaitedFor() throws Exception {
        // sh starts a grandchild, prints its pid and exits; the grandchild is nobody's child here.
        Process shell = new ProcessBuilder("sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!").start();
        long grandchild = Long.parseLong(new String(shell.getInputStream().readAllBytes()).strip());
        shell.waitFor();
        assertFalse(PidFd.awaitExit(grandchild, Duration.ofMillis(50)));
        Processes.kill((int) grandchild, Processes.SIGKILL);
        assertTrue(PidFd.awaitExit(grandchild, Duration.ofSeconds(30)));
    }
}
