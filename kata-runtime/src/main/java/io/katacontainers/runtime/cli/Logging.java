package io.katacontainers.runtime.cli;

import io.katacontainers.runtime.sandbox.GuestConsoleLog;

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

    /** The line formats of {@code --log-format}: Kata's logfmt-like text, or runc's (logrus') JSON lines. */
    public enum LogFormat {
        text, json
    }

    public static void configure(LogLevel level, Path logFile) throws IOException {
        configure(level, logFile, LogFormat.text);
    }

    public static void configure(LogLevel level, Path logFile, LogFormat format) throws IOException {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Handler handler = logFile == null
                ? new ConsoleHandler()
                : new StreamHandler(new PrintStream(Files.newOutputStream(logFile, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND), true), formatter(format)) {
                    @Override
                    public synchronized void publish(LogRecord record) {
                        super.publish(record);
                        flush();
                    }
                };
        handler.setFormatter(formatter(format));
        handler.setLevel(level.julLevel);
        root.addHandler(handler);
        root.setLevel(level.julLevel);
    }

    private static Formatter formatter(LogFormat format) {
        return switch (format) {
            case text -> new LineFormatter();
            case json -> new JsonFormatter();
        };
    }

    /**
     * One JSON log line as runc writes them with {@code --log-format json} (logrus' JSON formatter):
     * {@code {"level":"error","msg":"...","time":"2006-01-02T15:04:05Z"}}, keys in that order. containerd's runc
     * shim reads the last error line's {@code msg} as the command's error.
     */
    public static String jsonLine(String level, String message, Instant time) {
        return "{\"level\":" + jsonString(level) + ",\"msg\":" + jsonString(message) + ",\"time\":"
                + jsonString(time.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()) + "}";
    }

    static String jsonString(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Appends one runc-style JSON error line to {@code logFile} (for failures before logging is configured). */
    static void appendJsonError(Path logFile, String message) throws IOException {
        Files.writeString(logFile, jsonLine("error", message, Instant.now()) + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static final class JsonFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            String message = isAgentRecord(record)
                    ? "agent (sandbox " + record.getParameters()[0] + "): " + record.getMessage()
                    : formatMessage(record);
            if (record.getThrown() != null) {
                message += ": " + record.getThrown();
            }
            return jsonLine(levelName(record.getLevel()), message, Instant.ofEpochMilli(record.getMillis()))
                    + System.lineSeparator();
        }
    }

    static String levelName(Level level) {
        if (level.intValue() >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (level.intValue() >= Level.WARNING.intValue()) {
            return "warning";
        }
        return level.intValue() >= Level.INFO.intValue() ? "info" : "debug";
    }

    /**
     * A line of a guest's agent ({@link GuestConsoleLog#AGENT_LOGGER}, parameters: sandbox id, the agent's logger,
     * the agent's time) as Kata's shim logs them:
     * {@code time=<agent's> level=info source=agent sandbox=<id> name=<agent logger> msg="..."}.
     */
    static String agentLine(LogRecord record) {
        Object[] fields = record.getParameters();
        return "time=" + fields[2] + " level=" + levelName(record.getLevel()) + " source=agent sandbox=" + fields[0]
                + " name=" + fields[1] + " msg=\"" + record.getMessage().replace("\"", "\\\"") + '"'
                + System.lineSeparator();
    }

    private static boolean isAgentRecord(LogRecord record) {
        return GuestConsoleLog.AGENT_LOGGER.equals(record.getLoggerName()) && record.getParameters() != null
                && record.getParameters().length == 3;
    }

    /** {@code time=... level=warning source=runtime name=<logger> msg="..."}, as Kata's logrus lines read. */
    private static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            if (isAgentRecord(record)) {
                return agentLine(record);
            }
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
    }
}
