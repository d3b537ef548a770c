package io.katacontainers.agent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Zombie processes, from /proc. */
final class Zombies {
    private Zombies() {
    }

    /** Pids of zombies whose parent is {@code parent}; looks a few times, as a zombie may be about to be reaped. */
    static List<Long> childrenOf(long parent) throws IOException, InterruptedException {
        List<Long> zombies = List.of();
        for (int attempt = 0; attempt < 10; attempt++) {
            zombies = scan(parent);
            if (zombies.isEmpty()) {
                return zombies;
            }
            Thread.sleep(100);
        }
        return zombies;
    }

    private static List<Long> scan(long parent) throws IOException {
        List<Long> zombies = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                String stat;
                try {
                    stat = Files.readString(process.resolve("stat"));
                } catch (NoSuchFileException e) {
                    continue;
                }
                // pid (comm) state ppid ...: comm may contain spaces and parentheses, so split after the last ')'.
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (fields[0].equals("Z") && Long.parseLong(fields[1]) == parent) {
                    zombies.add(Long.parseLong(process.getFileName().toString()));
                }
            }
        }
        return zombies;
    }
}
