package io.katacontainers.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

/** What runc still knows about, from {@code runc --root ROOT list -q}. */
final class RuncState {
    private RuncState() {
    }

    static List<String> containers(Path root) throws IOException, InterruptedException {
        Process list = new ProcessBuilder(AgentProcess.RUNC.toString(), "--root", root.toString(), "list", "-q")
                .redirectErrorStream(true).start();
        String output = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!list.waitFor(30, TimeUnit.SECONDS) || list.exitValue() != 0) {
            throw new IOException("runc list failed: " + output);
        }
        return output.lines().filter(line -> !line.isBlank()).toList();
    }

    /** The {@code status} runc reports for container {@code id}: created, running, paused or stopped. */
    static String status(Path root, String id) throws IOException, InterruptedException {
        Process state = new ProcessBuilder(AgentProcess.RUNC.toString(), "--root", root.toString(), "state", id)
                .redirectErrorStream(true).start();
        String output = new String(state.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!state.waitFor(30, TimeUnit.SECONDS) || state.exitValue() != 0) {
            throw new IOException("runc state failed: " + output);
        }
        Matcher status = Pattern.compile("\"status\":\\s*\"([a-z]+)\"").matcher(output);
        if (!status.find()) {
            throw new IOException("no status in runc state: " + output);
        }
        return status.group(1);
    }
}
