package io.katacontainers.packaging.clients;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.packaging.e2e.Sandboxes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a client test may leave when a step failed half-way, found from the test's own directory and removed: the
 * processes whose command line names it (shims, conmon, sandbox holders), the kata sandboxes whose bundle is in it,
 * its mounts, and a cgroup parent. Each method reports what it found, so the caller can fail naming it.
 */
final class Leftovers {
    private static final Path SANDBOXES = Path.of("/run/vc/sbs");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Leftovers() {
    }

    /** The processes whose command line names {@code dir}, as "pid command line". */
    static List<String> processesNaming(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().filter(line -> line.contains(dir.toString()))
                        .isPresent())
                .map(process -> process.pid() + " " + process.info().commandLine().orElse("?")).toList();
    }

    /** SIGKILLs the processes whose command line names {@code dir} (a sandbox holder takes its VMM along). */
    static List<String> killProcessesNaming(Path dir) throws InterruptedException {
        List<String> found = processesNaming(dir);
        for (String process : found) {
            long pid = Long.parseLong(process.substring(0, process.indexOf(' ')));
            ProcessHandle.of(pid).ifPresent(handle -> {
                handle.destroyForcibly();
                handle.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> handle).join();
            });
        }
        return found;
    }

    /** Force-deletes the kata sandboxes whose bundle is under {@code dir}; returns their ids. */
    static List<String> deleteSandboxesUnder(Path dir) throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(SANDBOXES)) {
            return ids;
        }
        try (var sandboxes = Files.list(SANDBOXES)) {
            for (Path sandbox : sandboxes.toList()) {
                Path state = sandbox.resolve("state.json");
                if (Files.isReadable(state)
                        && JSON.readTree(state.toFile()).path("bundle").asText().startsWith(dir + "/")) {
                    ids.add(sandbox.getFileName().toString());
                }
            }
        }
        for (String id : ids) {
            Outcome delete = Outcome.run(Path.of("/tmp"), Map.of(), TIMEOUT,
                    List.of(Sandboxes.DIST.resolve("bin/kata-runtime").toString(), "delete", "--force", id));
            if (delete.exitCode() != 0 && Files.exists(SANDBOXES.resolve(id))) {
                System.err.println("Leftovers: could not delete sandbox " + id + ": " + delete);
            }
        }
        return ids;
    }

    /** Mount points under {@code dir} still in this mount namespace, deepest first. */
    static List<String> mountsUnder(Path dir) throws IOException {
        String prefix = dir.toString() + "/";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4])
                .filter(point -> point.startsWith(prefix) || point.equals(dir.toString()))
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    /** Lazily unmounts what is mounted under {@code dir}; returns the mount points. */
    static List<String> unmountUnder(Path dir) throws IOException, InterruptedException {
        List<String> points = mountsUnder(dir);
        for (String point : points) {
            Outcome.run(Path.of("/tmp"), Map.of(), TIMEOUT, List.of("umount", "-l", point));
        }
        return points;
    }

    /** The directories of cgroup parent {@code name} in every hierarchy under /sys/fs/cgroup. */
    static List<Path> cgroupParents(String name) throws IOException {
        List<Path> found = new ArrayList<>();
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path hierarchy : hierarchies.toList()) {
                if (Files.isDirectory(hierarchy.resolve(name))) {
                    found.add(hierarchy.resolve(name));
                }
            }
        }
        if (Files.isDirectory(Path.of("/sys/fs/cgroup", name)) && !found.contains(Path.of("/sys/fs/cgroup", name))) {
            found.add(Path.of("/sys/fs/cgroup", name));
        }
        return found;
    }

    /** Removes cgroup parent {@code name} and its child cgroups (empty once their processes are gone). */
    static List<String> removeCgroupParent(String name) throws IOException {
        List<String> children = new ArrayList<>();
        for (Path parent : cgroupParents(name)) {
            try (var walk = Files.walk(parent)) {
                for (Path cgroup : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    if (!cgroup.equals(parent)) {
                        children.add(cgroup.toString());
                    }
                    Files.deleteIfExists(cgroup);
                }
            }
        }
        return children;
    }
}
