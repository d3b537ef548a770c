package io.katacontainers.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Mount points of the test's mount namespace (which the host-mode agent shares). */
final class MountPoints {
    private MountPoints() {
    }

    static boolean contains(Path path) throws IOException {
        String target = path.toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4])
                .anyMatch(target::equals);
    }
}
