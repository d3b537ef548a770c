package io.katacontainers.packaging.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kata-runtime run} of a bundle whose spec bind-mounts host paths (Docker's and Kubernetes' kinds): shared
 * over virtio-fs read-write and read-only, a single file, a source relative to the bundle, the host's /dev/shm
 * becoming a tmpfs in the guest, an emptyDir made guest-local ({@code disable_guest_empty_dir = false}); nothing
 * left after the run.
 */
class RunMountsEndToEndTest {
    private static final long TIMEOUT_SECONDS = 240;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @BeforeAll
    static void locate() {
        Sandboxes.requireBuiltTree();
    }

    private static void bind(ArrayNode mounts, String source, String destination, String... options) {
        ObjectNode mount = mounts.addObject().put("destination", destination).put("type", "bind")
                .put("source", source);
        ArrayNode list = mount.putArray("options");
        for (String option : options) {
            list.add(option);
        }
    }

    @Test
    void bindMountsOfEveryKindReachTheContainerAndNothingIsLeft() throws Exception {
        String id = "mounts-run-" + ProcessHandle.current().pid(); // unique if another checkout runs it too
        Path bundle = Sandboxes.bundle(work, "sh", "-c", String.join("; ",
                "cat /rw/in /rel/in /etc/file.txt",
                "echo guest-out > /rw/out",
                "(echo x > /ro/f) 2>&1",
                "grep ' /dev/shm ' /proc/mounts | cut -d' ' -f3",
                "echo cached > /cache/c && cat /cache/c",
                "echo done"));
        Path rw = Files.createDirectories(work.resolve("rw"));
        Files.writeString(rw.resolve("in"), "rw-in\n");
        Path ro = Files.createDirectories(work.resolve("ro"));
        Files.writeString(Files.createDirectories(bundle.resolve("rel")).resolve("in"), "relative-in\n");
        Path file = Files.writeString(work.resolve("file.txt"), "single-file\n");
        Path shm = Files.createDirectories(work.resolve("shm"));
        Path emptyDir = Files.createDirectories(work.resolve("pods/uid/volumes/kubernetes.io~empty-dir/cache"));

        ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        ArrayNode mounts = (ArrayNode) spec.get("mounts");
        for (int i = mounts.size() - 1; i >= 0; i--) {
            if (mounts.get(i).path("destination").asText().equals("/dev/shm")) {
                mounts.remove(i);
            }
        }
        bind(mounts, rw.toString(), "/rw", "rbind", "rw");
        bind(mounts, ro.toString(), "/ro", "rbind", "ro");
        bind(mounts, "rel", "/rel", "rbind", "ro");
        bind(mounts, file.toString(), "/etc/file.txt", "rbind", "ro");
        bind(mounts, shm.toString(), "/dev/shm", "rbind");
        bind(mounts, emptyDir.toString(), "/cache", "rbind", "rw");
        JSON.writeValue(bundle.resolve("config.json").toFile(), spec);

        // The shipped configuration shares disk-backed emptyDirs from the host; here they are the guest's.
        String shipped = shippedConfig();
        String guestEmptyDir = shipped.replace("\ndisable_guest_empty_dir = true\n",
                "\ndisable_guest_empty_dir = false\n");
        assertFalse(shipped.equals(guestEmptyDir), "no disable_guest_empty_dir = true in the shipped configuration");
        Path config = Files.writeString(work.resolve("configuration.toml"), guestEmptyDir);
        ProcessBuilder builder = new ProcessBuilder(Sandboxes.DIST.resolve("bin/kata-runtime").toString(), "run",
                "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().put("KATA_CONF_FILE", config.toString());
        Process run = builder.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(run.getErrorStream()));
        String out = read(run.getInputStream());
        assertTrue(run.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "kata-runtime run did not finish");
        String report = "exit " + run.exitValue() + "\n--- stdout\n" + out + "\n--- stderr\n" + err.get();
        assertEquals(0, run.exitValue(), report);
        assertTrue(out.startsWith("rw-in\nrelative-in\nsingle-file\n"), report);
        assertTrue(out.contains("Read-only file system"), "the ro mount refuses writes: " + report);
        assertTrue(out.contains("\ntmpfs\n"), "/dev/shm is a tmpfs in the guest: " + report);
        assertTrue(out.endsWith("cached\ndone\n"), report);
        assertEquals("guest-out\n", Files.readString(rw.resolve("out")));
        assertFalse(Files.exists(ro.resolve("f")));
        try (var left = Files.list(emptyDir)) {
            assertEquals(0, left.count(), "the emptyDir is the guest's, not the host directory");
        }
        Sandboxes.assertNothingLeft(id);
        assertEquals("single-file\n", Files.readString(file));
    }

    @Test
    void createStartSharesTheMountsAndDeleteForceAfterTheHolderDiedRemovesThem() throws Exception {
        String id = "mounts-oci-" + ProcessHandle.current().pid(); // unique if another checkout runs it too
        Path rw = Files.createDirectories(work.resolve("rw"));
        Path bundle = Sandboxes.bundle(work, "sh", "-c", "echo made > /rw/created; sleep 1000");
        ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        bind((ArrayNode) spec.get("mounts"), rw.toString(), "/rw", "rbind", "rw");
        JSON.writeValue(bundle.resolve("config.json").toFile(), spec);
        Path pidFile = work.resolve("pid");
        // sandbox_bind_mounts: shared with the whole sandbox, read-only, for as long as it lives
        Path tools = Files.createDirectories(work.resolve("sandbox-tools"));
        String shipped = shippedConfig();
        String withBindMounts = shipped.replace("\nsandbox_bind_mounts = []\n",
                "\nsandbox_bind_mounts = [\"" + tools + "\"]\n");
        assertFalse(shipped.equals(withBindMounts), "no sandbox_bind_mounts = [] in the shipped configuration");
        Path config = Files.writeString(work.resolve("configuration.toml"), withBindMounts);
        try {
            ProcessBuilder builder = new ProcessBuilder(Sandboxes.DIST.resolve("bin/kata-runtime").toString(),
                    "create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id)
                    .redirectOutput(work.resolve("create.out").toFile())
                    .redirectError(work.resolve("create.err").toFile());
            builder.environment().put("KATA_CONF_FILE", config.toString());
            Process create = builder.start();
            assertTrue(create.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "create did not return");
            assertEquals(0, create.exitValue(), Files.readString(work.resolve("create.err")));
            assertEquals(0, runtime("start", id));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(rw.resolve("created")) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals("made\n", Files.readString(rw.resolve("created")), "written through the share");
            Path shares = Path.of("/run/vc/sbs", id, "shared", id, "mounts");
            assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + shares + "/"),
                    "the share is mounted while the container runs");
            Path sandboxMount = Path.of("/run/vc/sbs", id, "shared", "sandbox-mounts", "sandbox-tools");
            assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).lines()
                    .anyMatch(line -> line.split(" ")[4].equals(sandboxMount.toString())
                            && line.split(" ")[5].startsWith("ro")), "sandbox_bind_mounts, read-only");

            long holder = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle process = ProcessHandle.of(holder).orElseThrow();
            assertTrue(process.destroyForcibly(), "SIGKILL the sandbox's holder");
            process.onExit().get(30, TimeUnit.SECONDS);
        } finally {
            assertEquals(0, runtime("delete", "--force", id), "delete --force cleans up after the crash");
        }
        Sandboxes.assertNothingLeft(id);
        assertEquals("made\n", Files.readString(rw.resolve("created")), "the host's files stay");
    }

    /** The shipped configuration, with room for a guest that boots slowly on a loaded machine (TCG). */
    private static String shippedConfig() throws java.io.IOException {
        String shipped = Files.readString(Sandboxes.DIST.resolve("share/defaults/kata-containers/configuration.toml"));
        assertTrue(shipped.matches("(?s).*\\ndial_timeout = \\d+\\n.*"), "no dial_timeout to raise");
        return shipped.replaceFirst("\\ndial_timeout = \\d+\\n", "\ndial_timeout = 180\n");
    }

    private static int runtime(String... args) throws Exception {
        java.util.List<String> argv = new java.util.ArrayList<>(
                java.util.List.of(Sandboxes.DIST.resolve("bin/kata-runtime").toString()));
        argv.addAll(java.util.List.of(args));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), String.join(" ", argv) + " hung");
        return process.exitValue();
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
