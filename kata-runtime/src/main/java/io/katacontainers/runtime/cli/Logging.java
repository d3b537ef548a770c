package io.katacontainers.runtime.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Routes every {@link System.Logger} of the runtime to stderr (or a file) in Kata's logfmt-like line format,
 * at the level the user chose. Kept in one place so all commands log alike.
 */
public final class Logging {
    private Logging() {
    }

    /** The levels the CLI accepts, from the most to the least verbose. */
    public enum LogLevel {
        debug(Level.FINE), info(Level.INFO), warn(Level.WARNING), error(Level.SEVERE);

        private final Level julLevel;

        LogLevel(Level julLevel) {
            this.julLevel = julLevel;
        }
    }

    public static void configure(LogLevel level, Path logFile) throws IOException {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler handler = logFile == null
                ? new ConsoleHandler()
                : new StreamHandler(new PrintStream(Files.newOutputStream(logFile, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND), true), new LineFormatter()) {
                    @Override
                    public synchronized void publish(LogRecord record) {
                        super.publish(record);
                        flush();
                    }
                };
        handler.setFormatter(new LineFormatter());
        handler.setLevel(level.julLevel);
        root.addHandler(handler);
        root.setLevel(level.julLevel);
    }

    /** {@code time=... level=warning source=runtime name=<logger> msg="..."}, as Kata's logrus lines read. */
    private static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder()
                    .append("time=").append(Instant.ofEpochMilli(record.getMillis()))
                    .append(" level=").append(levelName(record.getLevel()))
                    .append(" source=runtime name=").append(record.getLoggerName())
                    .append(" msg=\"").append(formatMessage(record).replace("\"", "\\\"")).append('"');
            if (record.getThrown() != null) {
                line.append(" error=\"").append(String.valueOf(record.getThrown()).replace("\"", "\\\"")).append('"');
            }
            return line.append(System.lineSeparator()).toString();
        }

        private static String levelName(Level level) {
            if (level.intValue() >= Level.SEVERE.intValue()) {
                return "error";
            }
            if (level.intValue() >= Level.WARNING.intValue()) {
                return "warning";
            }
            return level.intValue() >= Level.INFO.intValue() ? "info" : "debug";
        }
    }
}
