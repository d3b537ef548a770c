package io.katacontainers.agent.log;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.Instant;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/** A logger that writes {@code <time> <LEVEL> <Class>: <message>} lines, and the stack trace of a throwable. */
final class LineLogger implements System.Logger {
    private final String name;
    private final String shortName;
    private final Level threshold;
    private final PrintStream out;

    LineLogger(String name, Level threshold, PrintStream out) {
        this.name = name;
        this.shortName = name.substring(name.lastIndexOf('.') + 1);
        this.threshold = threshold;
        this.out = out;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return level != Level.OFF && level.getSeverity() >= threshold.getSeverity();
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
        if (isLoggable(level)) {
            write(level, message, thrown);
        }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... parameters) {
        if (isLoggable(level)) {
            String message = parameters == null || parameters.length == 0 ? format
                    : MessageFormat.format(format, parameters);
            write(level, message, null);
        }
    }

    @Override
    public void log(Level level, Supplier<String> message, Throwable thrown) {
        if (isLoggable(level)) {
            write(level, message.get(), thrown);
        }
    }

    private void write(Level level, String message, Throwable thrown) {
        var line = new StringBuilder(Instant.now().toString()).append(' ').append(level.getName()).append(' ')
                .append(shortName).append(": ").append(message);
        if (thrown != null) {
            var trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        }
        // One println per message, so lines of concurrent threads do not interleave.
        out.println(line);
    }
}
