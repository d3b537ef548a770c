package io.katacontainers.packaging.shim;

import io.katacontainers.packaging.e2e.Sandboxes;
import io.katacontainers.packaging.shim.PrivateContainerd.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14's fault-injection matrix through a real containerd (one private containerd for every cell), after
 * Kata's {@code TestKilledVmmCleanup}: SIGKILL of QEMU, of virtiofsd, of the shim, and the death of the agent in
 * the guest, each after Create, after Start, during an Exec whose output is streaming, and during a (forced)
 * Delete. Each cell is a fresh pod: containerd must see its task exit (or the call in flight end) within 60 s,
 * {@code ctr task delete} and {@code ctr container delete} (and containerd's own {@code containerd-shim-kata-v2
 * delete} when the shim is the victim) must leave no process, mount, socket, cgroup or {@code /run/vc/sbs/<id>},
 * and the next cell's pod must start on the same containerd. The matrix is printed as a table.
 *
 * <p>The agent is the guest's PID 1 (the initrd's {@code /init} execs it), and the kernel drops SIGKILL sent to a
 * namespace's init from inside it, so the agent is killed with SIGTERM from the debug console
 * ({@code kata-runtime debug-console}): its JVM exits, the guest kernel panics ("Attempted to kill init"), and with
 * {@code panic=-1} and QEMU's {@code -no-reboot} the VM ends, as a Kata guest does when its agent dies.
 */
@Order(2)
class FaultMatrixEndToEndTest {
    private static final Duration RUN = Duration.ofSeconds(240);
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final Duration EXIT_BOUND = Duration.ofSeconds(60);
    private static final String RUNTIME = "io.containerd.kata.v2";
    /**
     * {@code -Dkata.faults.cells=shim,qemu:after_create}: only these cells (a victim, or victim:point), to run a
     * part of the matrix again; every cell by default.
     */
    private static final List<String> CELLS = List.of(System.getProperty("kata.faults.cells", "").split(","))
            .stream().map(String::strip).filter(cell -> !cell.isEmpty()).toList();

    /** What a cell kills. */
    enum Victim { QEMU, VIRTIOFSD, SHIM, AGENT }

    /** When a cell kills it. */
    enum Point { AFTER_CREATE, AFTER_START, DURING_EXEC, DURING_DELETE }

    /** One row of the printed matrix. */
    record Row(Victim victim, Point point, double secondsToExit, String outcome, List<String> leftovers) {
        boolean passed() {
            return leftovers.isEmpty() && secondsToExit >= 0 && secondsToExit <= EXIT_BOUND.toSeconds();
        }
    }

    @TempDir
    static Path work;
    private static PrivateContainerd containerd;
    private static Path config;

    @BeforeAll
    static void startContainerd() throws Exception {
        Sandboxes.requireBuiltTree();
        String shipped = Sandboxes.shippedConfigForSlowGuests();
        assertTrue(shipped.contains("\ndebug_console_enabled = false\n"), "no debug console key to turn on");
        config = work.resolve("configuration.toml");
        Files.writeString(config, shipped.replace("\ndebug_console_enabled = false\n",
                "\ndebug_console_enabled = true\n"));
        containerd = PrivateContainerd.start(work, Sandboxes.DIST.resolve("bin"));
        containerd.importBusybox(Sandboxes.REPO);
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    @Test
    void everyVictimAtEveryPointEndsItsTaskAndLeavesNothing() throws Exception {
        List<Row> rows = new ArrayList<>();
        try {
            for (Victim victim : Victim.values()) {
                for (Point point : Point.values()) {
                    String name = victim.name().toLowerCase(Locale.ROOT);
                    if (CELLS.isEmpty() || CELLS.contains(name)
                            || CELLS.contains(name + ":" + point.name().toLowerCase(Locale.ROOT))) {
                        rows.add(cell(victim, point));
                    }
                }
            }
            // The containerd that lived through all of it still runs a pod.
            String id = "faults-after-matrix";
            Result last = ctr(RUN, runArgs("--rm", PrivateContainerd.IMAGE, id, "echo", "still-works"));
            assertEquals(0, last.exitCode(), last.toString());
            assertEquals("still-works\n", last.out());
            rows.add(new Row(null, null, 0, "a pod after the matrix: " + last.out().strip(), leftovers(id)));
        } finally {
            System.out.println(table(rows));
        }
        assertTrue(rows.stream().allMatch(Row::passed), table(rows));
    }

    private static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder("fault matrix (SIGKILL through containerd, QEMU driver)\n");
        out.append(String.format(Locale.ROOT, "%-10s %-14s %8s  %-44s %s%n", "victim", "point", "exit s",
                "outcome", "left behind"));
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT, "%-10s %-14s %8.1f  %-44s %s%n",
                    row.victim() == null ? "-" : row.victim().name().toLowerCase(Locale.ROOT),
                    row.point() == null ? "-" : row.point().name().toLowerCase(Locale.ROOT), row.secondsToExit(),
                    row.outcome(), row.leftovers().isEmpty() ? "nothing" : String.join("; ", row.leftovers())));
        }
        return out.toString();
    }

    private List<String> runArgs(String... rest) {
        List<String> args = new ArrayList<>(List.of("run", "--runtime", RUNTIME, "--runtime-config-path",
                config.toString()));
        args.addAll(List.of(rest));
        return args;
    }

    private static Result ctr(Duration timeout, List<String> args) throws Exception {
        return containerd.ctr(timeout, args.toArray(String[]::new));
    }

    /** Runs one cell: a fresh pod, the kill at its point, the exit seen, the clean-up, and what was left. */
    private Row cell(Victim victim, Point point) throws Exception {
        String id = "faults-" + victim.name().toLowerCase(Locale.ROOT) + "-"
                + point.name().toLowerCase(Locale.ROOT).replace('_', '-');
        Process inFlight = null;
        DebugConsole console = null;
        try {
            if (point == Point.AFTER_CREATE) {
                create(id);
            } else {
                Result run = ctr(RUN, runArgs("-d", PrivateContainerd.IMAGE, id, "sleep", "1000"));
                assertEquals(0, run.exitCode(), id + ": " + run);
            }
            if (victim == Victim.AGENT) {
                console = DebugConsole.open(id);
            }
            ProcessHandle target = victim == Victim.AGENT ? null : victim(victim, id);
            if (point == Point.DURING_EXEC) {
                Path output = work.resolve(id + ".exec.out");
                inFlight = new ProcessBuilder(containerd.ctrArgv("task", "exec", "--exec-id", "stream", id, "sh",
                        "-c", "while true; do echo streaming-line; done")).redirectInput(Path.of("/dev/null").toFile())
                        .redirectOutput(output.toFile()).redirectError(work.resolve(id + ".exec.err").toFile())
                        .start();
                await(id + "'s exec output", Duration.ofSeconds(60), () -> size(output) > 4096);
            } else if (point == Point.DURING_DELETE) {
                inFlight = new ProcessBuilder(containerd.ctrArgv("task", "delete", "--force", id))
                        .redirectInput(Path.of("/dev/null").toFile())
                        .redirectOutput(work.resolve(id + ".delete.out").toFile())
                        .redirectError(work.resolve(id + ".delete.err").toFile()).start();
            }
            long killed = System.nanoTime();
            if (victim == Victim.AGENT) {
                console.killAgent();
            } else {
                target.destroyForcibly();
            }
            String outcome = awaitExit(id, point, inFlight);
            double seconds = (System.nanoTime() - killed) / 1e9;
            cleanUp(id);
            return new Row(victim, point, seconds, outcome, leftovers(id));
        } catch (AssertionError e) {
            cleanUp(id);
            List<String> left = new ArrayList<>(leftovers(id));
            return new Row(victim, point, -1, "FAILED: " + e.getMessage().lines().findFirst().orElse(""), left);
        } finally {
            if (inFlight != null && inFlight.isAlive()) {
                inFlight.destroyForcibly().waitFor();
            }
            if (console != null) {
                console.close();
            }
        }
    }

    /**
     * Create without Start: ctr 1.6 writes {@code --pid-file} between the two calls (through a temporary
     * {@code .NAME}), and {@code -d} leaves the task when that fails, so an existing {@code .NAME} stops it there.
     */
    private static void create(String id) throws Exception {
        Result container = containerd.ctr(QUICK, "container", "create", "--runtime", RUNTIME,
                "--runtime-config-path", config.toString(), PrivateContainerd.IMAGE, id, "sleep", "1000");
        assertEquals(0, container.exitCode(), container.toString());
        Path pidDir = Files.createDirectories(work.resolve(id + ".pid"));
        Files.writeString(pidDir.resolve(".pid"), "taken");
        Result start = containerd.ctr(RUN, "task", "start", "-d", "--pid-file", pidDir.resolve("pid").toString(),
                id);
        assertTrue(start.exitCode() != 0 && start.stderr().contains("file exists"), start.toString());
        assertEquals("CREATED", status(id), "the task stays created");
    }

    /** The process a cell kills. */
    private static ProcessHandle victim(Victim victim, String id) throws IOException {
        String dir = "/run/vc/sbs/" + id + "/";
        return switch (victim) {
            case SHIM -> ProcessHandle.of(Long.parseLong(Files.readString(containerd.bundle(id).resolve("shim.pid"))
                    .trim())).orElseThrow(() -> new AssertionError("no shim of " + id));
            case QEMU, VIRTIOFSD -> ProcessHandle.allProcesses().filter(p -> {
                String command = p.info().command().orElse("");
                String args = p.info().arguments().map(a -> String.join(" ", a)).orElse("");
                return (victim == Victim.QEMU ? command.contains("qemu-system") : command.endsWith("virtiofsd"))
                        && (args.contains(dir) || args.contains(id));
            }).findFirst().orElseThrow(() -> new AssertionError("no " + victim + " of " + id));
            case AGENT -> throw new IllegalArgumentException("the agent is killed from the debug console");
        };
    }

    /**
     * Waits (at most 60 s) until containerd reports the task stopped or gone, and the call in flight (the exec or
     * the delete) has ended; says what it saw.
     */
    private static String awaitExit(String id, Point point, Process inFlight) throws Exception {
        await(id + "'s task to exit", EXIT_BOUND, () -> {
            String status = status(id);
            boolean taskEnded = status.isEmpty() || status.equals("STOPPED");
            return taskEnded && (inFlight == null || !inFlight.isAlive());
        });
        String status = status(id);
        String outcome = "task " + (status.isEmpty() ? "gone" : status.toLowerCase(Locale.ROOT));
        if (inFlight != null) {
            String err = Files.readString(work.resolve(id + (point == Point.DURING_EXEC ? ".exec.err"
                    : ".delete.err"))).strip().lines().reduce((a, b) -> b).orElse("");
            outcome += ", " + (point == Point.DURING_EXEC ? "exec" : "delete") + " exit " + inFlight.exitValue()
                    + (err.isEmpty() ? "" : " (" + abbreviate(err, 60) + ")");
        }
        return outcome;
    }

    private static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }

    /** {@code ctr task delete} (forced when a plain one fails) and {@code ctr container delete}. */
    private static void cleanUp(String id) throws Exception {
        if (!status(id).isEmpty()) {
            Result delete = containerd.ctr(QUICK, "task", "delete", id);
            if (delete.exitCode() != 0 && !status(id).isEmpty()) {
                containerd.ctr(QUICK, "task", "delete", "--force", id);
            }
        }
        containerd.ctr(QUICK, "container", "delete", id);
    }

    /** What is left of pod {@code id} once the shim has had 30 s to exit: empty when nothing. */
    private static List<String> leftovers(String id) throws Exception {
        Path runDir = Path.of("/run/vc/sbs", id);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> left = found(id, runDir);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            left = found(id, runDir);
        }
        return left;
    }

    private static List<String> found(String id, Path runDir) throws Exception {
        List<String> left = new ArrayList<>();
        if (!status(id).isEmpty()) {
            left.add("task " + status(id));
        }
        if (containerd.ctr(QUICK, "container", "ls", "-q").out().lines().anyMatch(id::equals)) {
            left.add("container");
        }
        if (Files.exists(runDir)) {
            left.add(runDir.toString());
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        mounts.lines().filter(line -> line.contains("/" + id + "/") || line.contains("/" + id + " "))
                .forEach(line -> left.add("mount " + line.split(" ")[4]));
        ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> String.join(" ", a))
                .filter(args -> args.contains(runDir + "/") || args.endsWith(runDir.toString())
                        || args.contains("-id " + id + " ") || args.endsWith("-id " + id))
                .isPresent()).forEach(p -> left.add("process " + p.pid() + " " + p.info().command().orElse("?")));
        Path socket = socketOf(id);
        if (Files.exists(socket)) {
            left.add("socket " + socket);
        }
        try (Stream<Path> cgroups = Files.find(Path.of("/sys/fs/cgroup"), 4,
                (path, attributes) -> attributes.isDirectory() && path.getFileName() != null
                        && path.getFileName().toString().contains(id))) {
            cgroups.forEach(cgroup -> left.add("cgroup " + cgroup));
        } catch (UncheckedIOException e) {
            // A cgroup removed while walking: what remains is looked at again on the next round.
            left.add("cgroup walk: " + e.getCause().getMessage());
        }
        return left;
    }

    /** containerd 1.6's shim socket for a task of the default namespace. */
    private static Path socketOf(String id) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                (containerd.socket() + "/default/" + id).getBytes(StandardCharsets.UTF_8));
        return Path.of("/run/containerd/s", HexFormat.of().formatHex(digest));
    }

    /** The task's status as {@code ctr task ls} shows it; empty when containerd has no task of that id. */
    private static String status(String id) {
        try {
            return containerd.ctr(QUICK, "task", "ls").out().lines().map(line -> line.trim().split("\\s+"))
                    .filter(fields -> fields.length == 3 && fields[0].equals(id)).map(fields -> fields[2])
                    .findFirst().orElse("");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static void await(String what, Duration bound, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + bound.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /** A shell in the guest ({@code kata-runtime debug-console}), ready before the cell's kill. */
    private record DebugConsole(Process process, BlockingQueue<String> lines) implements AutoCloseable {
        static DebugConsole open(String id) throws Exception {
            Process process = new ProcessBuilder(Sandboxes.DIST.resolve("bin/kata-runtime").toString(),
                    "debug-console", id).redirectError(work.resolve(id + ".console.err").toFile()).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (var reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("<console read failed: " + e.getMessage() + ">");
                }
            });
            DebugConsole console = new DebugConsole(process, lines);
            console.send("echo console-$((6*7))");
            long deadline = System.nanoTime() + QUICK.toNanos();
            while (System.nanoTime() < deadline) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line != null && line.contains("console-42")) {
                    return console;
                }
            }
            console.close();
            throw new AssertionError("the debug console of " + id + " did not answer: "
                    + Files.readString(work.resolve(id + ".console.err")));
        }

        private void send(String line) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        /** SIGTERM to the guest's PID 1, the agent (SIGKILL to a namespace's init from inside it is dropped). */
        void killAgent() throws IOException {
            send("kill -TERM 1");
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }
    }
}
