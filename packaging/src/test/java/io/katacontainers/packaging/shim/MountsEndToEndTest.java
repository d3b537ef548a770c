package io.katacontainers.packaging.shim;

import io.katacontainers.packaging.e2e.Sandboxes;
import io.katacontainers.packaging.shim.PrivateContainerd.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Host paths bind-mounted into a container through containerd ({@code ctr run --mount}): shared into the VM over
 * the sandbox's virtio-fs directory, a directory read-write both ways, one read-only that refuses writes, a single
 * file; a missing source fails fast; after delete no share, mount or shared-directory entry is left.
 */
class MountsEndToEndTest {
    private static final Duration RUN = Duration.ofSeconds(240);
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final String RUNTIME = "io.containerd.kata.v2";

    @TempDir
    static Path work;
    private static PrivateContainerd containerd;
    private static Path config;
    private final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void startContainerd() throws Exception {
        Sandboxes.requireBuiltTree();
        config = Files.writeString(work.resolve("configuration.toml"), Sandboxes.shippedConfigForSlowGuests());
        containerd = PrivateContainerd.start(Files.createDirectories(work.resolve("containerd")),
                Sandboxes.DIST.resolve("bin"));
        containerd.importBusybox(Sandboxes.REPO);
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    @AfterEach
    void removeTasks() throws Exception {
        for (String id : ids.reversed()) {
            containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id);
            containerd.ctr(QUICK, "task", "delete", "--force", id);
            containerd.ctr(QUICK, "container", "delete", id);
        }
    }

    private Result exec(String id, String execId, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("task", "exec", "--exec-id", execId, id));
        args.addAll(List.of(command));
        return containerd.ctr(QUICK, args.toArray(String[]::new));
    }

    private static List<String> sharesOf(String id) throws Exception {
        Path mounts = Path.of("/run/vc/sbs", id, "shared", id, "mounts");
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4]).filter(point -> point.startsWith(mounts + "/")).toList();
    }

    @Test
    void hostDirectoriesAndAFileAreSharedReadWriteBothWaysAndReadOnlyRefusesWrites() throws Exception {
        String id = "mounts-ctr-" + ProcessHandle.current().pid(); // unique if another checkout runs it too
        ids.add(id);
        Path rw = Files.createDirectories(work.resolve("rw"));
        Path ro = Files.createDirectories(work.resolve("ro"));
        Path file = work.resolve("single.txt");
        Files.writeString(rw.resolve("from-host"), "host-before\n");
        Files.writeString(ro.resolve("kept"), "read-only\n");
        Files.writeString(file, "file-line\n");

        Result run = containerd.ctr(RUN, "run", "-d", "--runtime", RUNTIME, "--runtime-config-path",
                config.toString(),
                "--mount", "type=bind,src=" + rw + ",dst=/rw,options=rbind:rw",
                "--mount", "type=bind,src=" + ro + ",dst=/ro,options=rbind:ro",
                "--mount", "type=bind,src=" + file + ",dst=/etc/single.txt,options=rbind:rw",
                PrivateContainerd.IMAGE, id, "sleep", "1000");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(3, sharesOf(id).size(), "one share per host path: " + sharesOf(id));

        Result read = exec(id, "read", "cat", "/rw/from-host", "/ro/kept", "/etc/single.txt");
        assertEquals(0, read.exitCode(), read.toString());
        assertEquals("host-before\nread-only\nfile-line\n", read.out(), "the host's files in the guest");

        Result write = exec(id, "write", "sh", "-c", "echo guest-wrote > /rw/from-guest && echo appended >> "
                + "/etc/single.txt");
        assertEquals(0, write.exitCode(), write.toString());
        assertEquals("guest-wrote\n", Files.readString(rw.resolve("from-guest")), "the guest's write on the host");
        assertEquals("file-line\nappended\n", Files.readString(file), "the single file written through");

        Files.writeString(rw.resolve("later"), "host-after\n");
        Result later = exec(id, "later", "cat", "/rw/later");
        assertEquals("host-after\n", later.out(), "a file the host makes while it runs: " + later);

        Result refused = exec(id, "refused", "sh", "-c", "echo no > /ro/new; echo rc=$?");
        assertTrue(refused.stderr().contains("Read-only file system") && refused.out().contains("rc=1"),
                "the read-only mount refuses writes: " + refused);
        assertFalse(Files.exists(ro.resolve("new")));

        assertEquals(0, containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id).exitCode());
        await(id + " to stop", () -> {
            try {
                return containerd.ctr(QUICK, "task", "ls").out().lines()
                        .anyMatch(line -> line.startsWith(id + " ") && line.contains("STOPPED"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        Result delete = containerd.ctr(QUICK, "task", "delete", id);
        assertEquals(0, delete.exitCode(), delete.toString());
        assertEquals(0, containerd.ctr(QUICK, "container", "delete", id).exitCode());
        await("the shim of " + id + " to go", () -> !Files.exists(Path.of("/run/vc/sbs", id)));
        Sandboxes.assertNothingLeft(id);
        assertEquals("host-before\n", Files.readString(rw.resolve("from-host")), "the host's files stay");
        assertEquals("read-only\n", Files.readString(ro.resolve("kept")));
        assertTrue(Files.exists(file));
    }

    @Test
    void aMissingSourceFailsFastWithItsNameAndLeavesNothing() throws Exception {
        String id = "mounts-missing-" + ProcessHandle.current().pid(); // unique if another checkout runs it too
        ids.add(id);
        Path missing = work.resolve("not-there");
        long start = System.nanoTime();
        Result run = containerd.ctr(RUN, "run", "--rm", "--runtime", RUNTIME, "--runtime-config-path",
                config.toString(), "--mount", "type=bind,src=" + missing + ",dst=/data,options=rbind:rw",
                PrivateContainerd.IMAGE, id, "true");
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertNotEquals(0, run.exitCode(), run.toString());
        assertTrue(run.stderr().contains(missing + " of the bind mount on /data does not exist on the host"),
                "the error names the source: " + run);
        assertTrue(seconds < 200, "answered, not hung: " + seconds + " s");
        await("the shim of " + id + " to go", () -> !Files.exists(Path.of("/run/vc/sbs", id)));
        Sandboxes.assertNothingLeft(id);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
