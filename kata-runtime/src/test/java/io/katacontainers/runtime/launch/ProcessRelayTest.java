package io.katacontainers.runtime.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.PidFd;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.Processes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The relay a caller reaps: it exits with the status the holder reports and passes the signals it gets on. */
class ProcessRelayTest {
    @Test
    void theRelayForwardsSignalsAndExitsWithTheReportedStatus() throws Exception {
        try (Pipes.Pipe status = Pipes.pipe(Libc.O_CLOEXEC); Pipes.Pipe signals = Pipes.pipe(Libc.O_CLOEXEC)) {
            int relay = ProcessRelay.start("kata-relay:test", false, status.read(), signals.write());
            try (ProcessRelay.HolderEnds ends = new ProcessRelay.HolderEnds(status.write(), signals.read())) {
                List<Integer> forwarded = new CopyOnWriteArrayList<>();
                CountDownLatch two = new CountDownLatch(2);
                CountDownLatch gone = new CountDownLatch(1);
                ends.forwardSignals(signal -> {
                    forwarded.add(signal);
                    two.countDown();
                }, gone::countDown);
                // A signal before the shell set its traps would end it: wait until /proc shows them caught.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!catches(relay, Processes.SIGTERM) || !catches(relay, Processes.SIGHUP)) {
                    assertTrue(System.nanoTime() < deadline, "the relay never trapped TERM and HUP");
                    Thread.sleep(5);
                }
                Processes.kill(relay, Processes.SIGTERM);
                // Pending together, the shell would run the traps in signal-number order: one at a time.
                long first = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (forwarded.isEmpty()) {
                    assertTrue(System.nanoTime() < first, "SIGTERM was never forwarded");
                    two.await(10, TimeUnit.MILLISECONDS);
                }
                Processes.kill(relay, Processes.SIGHUP);
                assertTrue(two.await(30, TimeUnit.SECONDS), "forwarded: " + forwarded);
                assertEquals(Processes.SIGTERM, forwarded.getFirst());
                assertEquals(Processes.SIGHUP, forwarded.getLast());
                ends.exit(42);
                ends.exit(7); // only the first report counts
                assertTrue(PidFd.awaitExit(relay, Duration.ofSeconds(30)));
                Processes.WaitStatus end = Processes.wait4(relay, 0).orElseThrow();
                assertTrue(end.exited(), "exited, not killed by the signals it forwarded");
                assertEquals(42, end.exitCode());
                signals.write().close();
                assertEquals(1, gone.getCount(), "a relay that exited as told is not a killed one");
            }
        }
    }

    /** The SigCgt mask of {@code /proc/<pid>/status}: the signals the process has handlers for. */
    private static boolean catches(int pid, int signal) throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigCgt:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (signal - 1))) != 0;
            }
        }
        return false;
    }

    @Test
    void aRelayWhoseHolderIsGoneExits255() throws Exception {
        try (Pipes.Pipe status = Pipes.pipe(Libc.O_CLOEXEC); Pipes.Pipe signals = Pipes.pipe(Libc.O_CLOEXEC)) {
            int relay = ProcessRelay.start("kata-relay:test", false, status.read(), signals.write());
            status.write().close();
            assertTrue(PidFd.awaitExit(relay, Duration.ofSeconds(30)));
            assertEquals(255, Processes.wait4(relay, 0).orElseThrow().exitCode());
        }
    }

    @Test
    void aKilledRelayTellsTheHolderItIsGone() throws Exception {
        try (Pipes.Pipe status = Pipes.pipe(Libc.O_CLOEXEC); Pipes.Pipe signals = Pipes.pipe(Libc.O_CLOEXEC)) {
            int relay = ProcessRelay.start("kata-relay:test", false, status.read(), signals.write());
            signals.write().close(); // the relay holds the only write end now, as after create
            try (ProcessRelay.HolderEnds ends = new ProcessRelay.HolderEnds(status.write(), signals.read())) {
                CountDownLatch gone = new CountDownLatch(1);
                ends.forwardSignals(signal -> { }, gone::countDown);
                Processes.kill(relay, Processes.SIGKILL);
                assertTrue(PidFd.awaitExit(relay, Duration.ofSeconds(30)));
                Processes.wait4(relay, 0);
                assertTrue(gone.await(30, TimeUnit.SECONDS), "the holder never heard that its relay died");
            }
        }
    }
}
