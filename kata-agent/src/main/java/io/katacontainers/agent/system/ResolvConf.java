package io.katacontainers.agent.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The sandbox's resolv.conf, from the lines CreateSandbox carries. */
final class ResolvConf {
    private ResolvConf() {
    }

    static Path write(Path sandboxDir, List<String> lines) throws IOException {
        Files.createDirectories(sandboxDir);
        Path file = sandboxDir.resolve("resolv.conf");
        StringBuilder content = new StringBuilder();
        for (String line : lines) {
            content.append(line.strip()).append('\n');
        }
        Files.writeString(file, content);
        return file;
    }
}
