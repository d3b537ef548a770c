package io.katacontainers.packaging.cri;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host's cgroup hierarchies as a test sees them (every cgroup v1 hierarchy and the v2 one mounted, read from
 * {@code /proc/self/mountinfo} independently of the runtime's code), and what the test checks in them: the pod's
 * processes in the sandbox's cgroup, and nothing left after the pod is gone.
 */
final class HostCgroups {
    private HostCgroups() {
    }

    /** The mount point of each hierarchy, once each. */
    static List<Path> hierarchies() {
        try {
            List<Path> found = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] fields = line.split(" - ");
                String[] mount = fields[0].split(" ");
                String[] fs = fields[1].split(" ");
                boolean cgroup = fs[0].equals("cgroup") || fs[0].equals("cgroup2");
                if (cgroup && mount[3].equals("/") && seen.add(fs[0] + " " + fs[2])) {
                    found.add(Path.of(mount[4]));
                }
            }
            assertFalse(found.isEmpty(), "no cgroup hierarchy is mounted");
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes {@code relative} in every hierarchy, as kubelet makes a pod's cgroup. */
    static void make(String relative) throws IOException {
        for (Path hierarchy : hierarchies()) {
            Path dir = Files.createDirectories(hierarchy.resolve(relative));
            if (Files.exists(dir.resolve("cpuset.cpus")) && Files.readString(dir.resolve("cpuset.cpus")).isBlank()) {
                Files.writeString(dir.resolve("cpuset.cpus"), Files.readString(hierarchy.resolve("cpuset.cpus")));
                Files.writeString(dir.resolve("cpuset.mems"), Files.readString(hierarchy.resolve("cpuset.mems")));
            }
        }
    }

    static boolean exists(String relative) {
        return hierarchies().stream().allMatch(hierarchy -> Files.isDirectory(hierarchy.resolve(relative)));
    }

    /** Removes {@code relative} and what is below it in every hierarchy (after the test: nothing may be in them). */
    static void remove(String relative) throws IOException {
        for (Path hierarchy : hierarchies()) {
            Path top = hierarchy.resolve(relative);
            if (!Files.isDirectory(top)) {
                continue;
            }
            List<Path> dirs;
            try (var walk = Files.walk(top)) {
                dirs = walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
            }
            for (Path dir : dirs) {
                awaitEmpty(dir); // after a failure: a shim that was told to stop may still be moving out
                Files.delete(dir);
            }
        }
    }

    private static void awaitEmpty(Path dir) throws IOException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.readString(dir.resolve("cgroup.procs")).isBlank() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + dir + " to empty", e);
            }
        }
    }

    static void assertGone(String relative) {
        for (Path hierarchy : hierarchies()) {
            assertFalse(Files.exists(hierarchy.resolve(relative)), hierarchy.resolve(relative) + " is left");
        }
    }

    /** The sandbox's cgroup holds the pod's shim, VMM and virtiofsd in every hierarchy. */
    static void assertHoldsThePod(String relative, String pod) throws IOException {
        String runDir = "/run/vc/sbs/" + pod;
        List<ProcessHandle> shims = processes(line -> line.contains("ShimMain") && line.contains("-id " + pod));
        List<ProcessHandle> vmms = processes(line -> line.contains("qemu-system") && line.contains(runDir));
        List<ProcessHandle> virtiofsds = processes(line -> line.contains("virtiofsd") && line.contains(runDir));
        assertEquals(1, shims.size(), "the pod's shim");
        assertEquals(1, vmms.size(), "the pod's VMM");
        assertFalse(virtiofsds.isEmpty(), "the pod's virtiofsd"); // the C daemon may run as parent and child
        for (Path hierarchy : hierarchies()) {
            Path dir = hierarchy.resolve(relative);
            assertTrue(Files.isDirectory(dir), dir + " exists");
            List<Long> procs = Files.readAllLines(dir.resolve("cgroup.procs")).stream()
                    .filter(line -> !line.isBlank()).map(Long::parseLong).toList();
            List<ProcessHandle> members = new ArrayList<>(List.of(shims.getFirst(), vmms.getFirst()));
            members.addAll(virtiofsds);
            for (ProcessHandle process : members) {
                assertTrue(procs.contains(process.pid()), dir + " holds " + process.pid() + " ("
                        + process.info().command().orElse("?") + "): " + procs);
            }
        }
    }

    private static List<ProcessHandle> processes(java.util.function.Predicate<String> commandLine) {
        return ProcessHandle.allProcesses().filter(process -> process.info().commandLine()
                .filter(commandLine).isPresent()).toList();
    }
}
