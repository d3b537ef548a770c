package io.katacontainers.agent.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds why a runtime command failed: runc and crun log JSON lines ({@code --log-format json}) whose last
 * {@code error}/{@code fatal} entry is the message a user wants; plain output is the fallback.
 */
final class RuntimeErrors {
    private static final int OUTPUT_TAIL = 2000;

    private final JsonFiles json;

    RuntimeErrors(JsonFiles json) {
        this.json = json;
    }

    String explain(Path log, long logOffset, Path output) {
        String fromLog = lastError(log, logOffset);
        if (!fromLog.isEmpty()) {
            return fromLog;
        }
        return tail(output);
    }

    private String lastError(Path log, long offset) {
        String message = "";
        for (String line : linesAfter(log, offset)) {
            try {
                String level = json.field(line, "level").orElse("");
                if (level.equals("error") || level.equals("fatal")) {
                    message = json.field(line, "msg").orElse(line);
                }
            } catch (IOException e) {
                // Not JSON (a runtime that ignores --log-format json): the plain line says why.
                message = message.isEmpty() ? line.strip() : message;
            }
        }
        return message;
    }

    /** The log lines this invocation wrote; none if the runtime failed before it created its log. */
    private static List<String> linesAfter(Path log, long offset) {
        try {
            byte[] bytes = Files.readAllBytes(log);
            int from = (int) Math.min(Math.max(offset, 0), bytes.length);
            return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank()).toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            return List.of("(cannot read the runtime log " + log + ": " + e.getMessage() + ")");
        }
    }

    private static String tail(Path output) {
        if (output == null || Files.notExists(output)) {
            return "";
        }
        try {
            String text = Files.readString(output).strip();
            return text.length() > OUTPUT_TAIL ? text.substring(text.length() - OUTPUT_TAIL) : text;
        } catch (IOException e) {
            return "(cannot read the runtime's output " + output + ": " + e.getMessage() + ")";
        }
    }
}
