package io.katacontainers.packaging.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VM templates on QEMU (Kata's factory): {@code factory init/status/destroy}; pods started from the template run a
 * container with the right output and exit status, over their own virtio-fs share, each its own machine (hostname,
 * random numbers, clock); a corrupt template is refused with a clear message and the pod boots cold; nothing is
 * left by any of them.
 */
class VmTemplateEndToEndTest {
    private static final long TIMEOUT_SECONDS = 300;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How far a guest clock may be from the host's: the container's own start and the output's way back. */
    private static final long CLOCK_TOLERANCE_SECONDS = 5;
    /** The age the template must reach before the clock check: a clone's clock without SetGuestDateTime lags it. */
    private static final Duration TEMPLATE_AGE = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @BeforeAll
    static void locate() {
        Sandboxes.requireBuiltTree();
    }

    record Run(int exit, String out, String err, long hostSecondsBefore, long hostSecondsAfter) {
        String report() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    @Test
    void podsStartFromTheTemplateAsTheirOwnMachinesAndNothingIsLeft() throws Exception {
        String tag = "template-" + ProcessHandle.current().pid();
        Path templateDir = Path.of("/run/kata-test-" + tag, "template");
        String shipped = Sandboxes.shippedConfigForSlowGuests();
        String withTemplates = shipped.replace("\n#enable_template = true\n", "\nenable_template = true\n")
                .replace("\n#template_path = \"/run/vc/vm/template\"\n", "\ntemplate_path = \"" + templateDir + "\"\n");
        assertFalse(withTemplates.equals(shipped) || withTemplates.contains("#template_path"),
                "the shipped configuration has no commented [factory] keys to turn on");
        Path config = Files.writeString(work.resolve("configuration.toml"), withTemplates);
        List<String> ids = new ArrayList<>();
        try {
            assertTrue(runtime(config, "factory", "status").out().contains("vm template: none in " + templateDir));
            Run init = runtime(config, "factory", "init");
            assertEquals(0, init.exit(), init.report());
            Instant made = Instant.now();
            JsonNode status = JSON.readTree(runtime(config, "factory", "status", "--json").out());
            assertTrue(status.path("template").asBoolean(), status.toString());
            assertEquals("qemu", status.path("hypervisor").asText(), status.toString());
            assertTrue(Files.isRegularFile(templateDir.resolve("memory")) && Files.isRegularFile(
                    templateDir.resolve("state")), "memory and device state saved in " + templateDir);
            assertEquals(List.of(), processesOf("sandbox-factory-template"), "the template VM is gone");

            Path rw = Files.createDirectories(work.resolve("rw"));
            Files.writeString(rw.resolve("in"), "host-file\n");
            String script = "hostname; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'; echo; cat /rw/in; "
                    + "echo from-$(hostname) > /rw/$(hostname); date +%s; exit 3";
            Run first = clone(config, tag + "-a", "clone-a", rw, script, ids);
            // The second clone starts once the template is TEMPLATE_AGE old (a bounded wait on time itself, most
            // of it already spent by the first clone): its guest clock, restored from the template, lags by as
            // much unless the runtime sets it.
            Duration age = Duration.between(made, Instant.now());
            if (age.compareTo(TEMPLATE_AGE) < 0) {
                Thread.sleep(TEMPLATE_AGE.minus(age).toMillis());
            }
            Run second = clone(config, tag + "-b", "clone-b", rw, script, ids);
            for (Run run : List.of(first, second)) {
                assertEquals(3, run.exit(), run.report());
                assertTrue(run.err().contains("VM restored from the template in " + templateDir), run.report());
            }
            String[] a = first.out().split("\n");
            String[] b = second.out().split("\n");
            assertEquals("clone-a", a[0], first.report());
            assertEquals("clone-b", b[0], second.report());
            assertEquals(32, a[1].length(), first.report());
            assertNotEquals(a[1], b[1], "two clones drew the same random bytes");
            assertEquals("host-file", a[2], first.report());
            assertEquals("host-file", b[2], second.report());
            assertEquals("from-clone-a\n", Files.readString(rw.resolve("clone-a")), "written through the share");
            assertEquals("from-clone-b\n", Files.readString(rw.resolve("clone-b")), "written through the share");
            long guestClock = Long.parseLong(b[3].strip());
            assertTrue(guestClock >= second.hostSecondsBefore() - CLOCK_TOLERANCE_SECONDS
                    && guestClock <= second.hostSecondsAfter() + CLOCK_TOLERANCE_SECONDS, "the clone's clock ("
                    + guestClock + ") is the host's (between " + second.hostSecondsBefore() + " and "
                    + second.hostSecondsAfter() + ")");
            for (String id : ids) {
                Sandboxes.assertNothingLeft(id);
            }

            // A corrupt template: refused with a clear message, the pod boots cold and runs all the same.
            try (RandomAccessFile state = new RandomAccessFile(templateDir.resolve("state").toFile(), "rw")) {
                state.seek(state.length() / 2);
                int old = state.read();
                state.seek(state.length() / 2);
                state.write(old ^ 0xFF);
            }
            Run cold = clone(config, tag + "-c", "cold", rw, script, ids);
            assertEquals(3, cold.exit(), cold.report());
            assertTrue(cold.err().contains("is corrupt") && cold.err().contains("boots cold")
                    && cold.err().contains("kata-runtime factory destroy && kata-runtime factory init"), cold.report());
            assertFalse(cold.err().contains("VM restored from the template"), cold.report());
            assertTrue(cold.out().startsWith("cold\n"), cold.report());
            Sandboxes.assertNothingLeft(tag + "-c");

            Run destroy = runtime(config, "factory", "destroy");
            assertEquals(0, destroy.exit(), destroy.report());
            assertFalse(Files.exists(templateDir), "factory destroy removes " + templateDir);
            assertFalse(JSON.readTree(runtime(config, "factory", "status", "--json").out()).path("template")
                    .asBoolean());
        } finally {
            runtime(config, "factory", "destroy");
            for (String id : ids) {
                runtime(config, "delete", "--force", id);
            }
            deleteTree(templateDir.getParent());
        }
        try (var left = Files.list(templateDir.getParent().getParent())) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains(tag)).toList(),
                    "the template's directories are gone");
        }
    }

    private Run clone(Path config, String id, String hostname, Path rw, String script, List<String> ids)
            throws Exception {
        ids.add(id);
        Path dir = Files.createDirectories(work.resolve(id));
        Path bundle = Sandboxes.bundle(dir, "sh", "-c", script);
        ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
        spec.put("hostname", hostname);
        ObjectNode mount = spec.withArray("mounts").addObject().put("destination", "/rw").put("type", "bind")
                .put("source", rw.toString());
        mount.putArray("options").add("rbind").add("rw");
        JSON.writeValue(bundle.resolve("config.json").toFile(), spec);
        Run run = runtime(config, "--log-level", "info", "run", "--bundle", bundle.toString(), id);
        Sandboxes.assertNothingLeft(id);
        return run;
    }

    private static Run runtime(Path config, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Sandboxes.DIST.resolve("bin/kata-runtime").toString()));
        argv.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().put("KATA_CONF_FILE", config.toString());
        long before = Instant.now().getEpochSecond();
        Process process = builder.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String out = read(process.getInputStream());
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), String.join(" ", argv) + " hung");
        return new Run(process.exitValue(), out, err.get(), before, Instant.now().getEpochSecond());
    }

    private static List<String> processesOf(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> String.join(" ", args).contains(marker)).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
