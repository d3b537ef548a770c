package io.katacontainers.hypervisor.kvm.devices.virtio;

import java.lang.System.Logger.Level;
import java.text.MessageFormat;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Warnings about what a guest did wrong (a bad packet, a request out of range), limited so that a hostile guest
 * cannot flood the host's log: at most {@link #BURST} lines per second, and the next line that gets through says how
 * many were left out. A line is at most {@link #MAX_LINE} characters, whatever guest data its arguments hold. One
 * per device; used on the event loop.
 */
public final class GuestErrorLog {
    static final int BURST = 10;
    static final int MAX_LINE = 512;
    private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);

    private final System.Logger log;
    private final LongSupplier clock;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    public GuestErrorLog(System.Logger log) {
        this(log, System::nanoTime);
    }

    GuestErrorLog(System.Logger log, LongSupplier clock) {
        this.log = log;
        this.clock = clock;
        this.windowStart = clock.getAsLong();
    }

    /** Logs a warning in {@link java.text.MessageFormat} style, unless this second's share is used up. */
    public void warn(String format, Object... arguments) {
        long now = clock.getAsLong();
        if (now - windowStart >= WINDOW) {
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow >= BURST) {
            suppressed++;
            return;
        }
        inWindow++;
        if (suppressed > 0) {
            log.log(Level.WARNING, "({0} more guest errors were not logged)", Long.toString(suppressed));
            suppressed = 0;
        }
        String line = MessageFormat.format(format, arguments);
        if (line.length() > MAX_LINE) {
            line = line.substring(0, MAX_LINE) + "... (" + (line.length() - MAX_LINE) + " more characters)";
        }
        log.log(Level.WARNING, line);
    }
}
