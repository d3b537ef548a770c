package io.katacontainers.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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
}
