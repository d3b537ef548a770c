package io.katacontainers.hypervisor.kvm.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** A flood of guest errors becomes a burst per second plus a count of what was left out. */
class GuestErrorLogTest {
    /** Collects what would be logged. */
    private static final class Recorder implements System.Logger {
        final List<String> lines = new ArrayList<>();

        @Override
        public String getName() {
            return "recorder";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            lines.add(message);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(MessageFormat.format(format, params));
        }
    }

    @Test
    void floodIsCutToABurstPerSecondAndCounted() {
        Recorder recorder = new Recorder();
        AtomicLong now = new AtomicLong();
        GuestErrorLog log = new GuestErrorLog(recorder, now::get);
        for (int i = 0; i < 1000; i++) {
            log.warn("bad packet {0}", i);
        }
        assertEquals(GuestErrorLog.BURST, recorder.lines.size());
        assertEquals("bad packet 9", recorder.lines.getLast());
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        log.warn("bad packet {0}", "late");
        assertEquals(List.of("(990 more guest errors were not logged)", "bad packet late"),
                recorder.lines.subList(GuestErrorLog.BURST, recorder.lines.size()));
    }

    @Test
    void aLineIsBoundedWhateverTheGuestPutInIt() {
        Recorder recorder = new Recorder();
        GuestErrorLog log = new GuestErrorLog(recorder, () -> 0L);
        String guestData = "x".repeat(1 << 20);
        log.warn("bad name {0}", guestData);
        String line = recorder.lines.getFirst();
        assertEquals("bad name " + "x".repeat(GuestErrorLog.MAX_LINE - 9) + "... (" + ((1 << 20) + 9
                - GuestErrorLog.MAX_LINE) + " more characters)", line);
    }
}
