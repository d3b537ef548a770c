package io.katacontainers.packaging.clients;

import io.katacontainers.packaging.e2e.Sandboxes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steps a user takes with a Docker-compatible client (docker, podman), for one runtime at a time: runc as the
 * control, then kata-runtime. Every failing step names the command and what it printed.
 */
final class ClientSteps {
    static final String KATA = "kata";
    private static final int STDOUT_BYTES = 50 << 20;
    private static final String IPV4 = "\\d+\\.\\d+\\.\\d+\\.\\d+";
    private static final String TRAPPING_INIT =
            "echo init-up; trap 'echo got-term' TERM; while true; do sleep 1; done";

    /** A client: docker or podman with its private state, and how to select a runtime on run. */
    interface Client {
        /** Runs the client with {@code args}. */
        Outcome call(String... args) throws IOException, InterruptedException;

        /** The options of {@code run} that select {@code runtime} (runc or {@link #KATA}) and its settings. */
        List<String> runOptions(String runtime);

        String image();
    }

    private final Client client;
    private final Path work;
    private final String prefix;
    private final String hostKernel;

    ClientSteps(Client client, Path work, String prefix) throws IOException {
        this.client = client;
        this.work = work;
        this.prefix = prefix;
        this.hostKernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    }

    private Outcome call(String... args) throws IOException, InterruptedException {
        return client.call(args);
    }

    /** {@code run} with the runtime's options, without a network. */
    private List<String> run(String runtime, String... rest) {
        List<String> argv = new ArrayList<>(List.of("run", "--network", "none"));
        argv.addAll(client.runOptions(runtime));
        argv.addAll(Arrays.asList(rest));
        return argv;
    }

    private Outcome run(List<String> argv) throws IOException, InterruptedException {
        return call(argv.toArray(String[]::new));
    }

    private String inspect(String container, String format) throws IOException, InterruptedException {
        return call("inspect", "--format", format, container).ok().out().trim();
    }

    /** A 50 MiB file of seeded random bytes in {@code dir}, for the byte-exact stdout step. */
    static Path stdoutBlob(Path dir) throws IOException {
        Path blob = Files.createDirectories(dir).resolve("stdout.bin");
        byte[] block = new byte[1 << 20];
        Random random = new Random(17);
        try (var out = Files.newOutputStream(blob)) {
            for (int written = 0; written < STDOUT_BYTES; written += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        return blob;
    }

    /**
     * {@code run --rm}: the kernel on stderr (the host's with runc, another with kata), the exit code 3, and when
     * {@code blob} is given, that file's bytes on stdout read from a {@code :ro} volume; with kata, nothing of the
     * sandbox is left when run returned.
     */
    void runRm(String runtime, Path blob) throws Exception {
        Path cidFile = work.resolve("cid-rm-" + runtime);
        String script = "uname -r >&2; " + (blob == null ? "" : "cat /blobs/" + blob.getFileName() + "; ") + "exit 3";
        List<String> argv = run(runtime, "--rm", "--cidfile", cidFile.toString());
        if (blob != null) {
            argv.addAll(List.of("-v", blob.getParent() + ":/blobs:ro"));
        }
        argv.addAll(List.of(client.image(), "sh", "-c", script));
        Outcome run = run(argv);
        assertEquals(3, run.exitCode(), "the container's exit code is run's: " + run);
        String kernel = run.stderr().lines().findFirst().orElse("").trim();
        if (runtime.equals(KATA)) {
            assertTrue(kernel.matches("\\d+\\.\\d+\\.\\d+.*") && !kernel.equals(hostKernel),
                    "kata runs the guest's kernel, not the host's " + hostKernel + ": " + run);
        } else {
            assertEquals(hostKernel, kernel, "runc runs on the host's kernel: " + run);
        }
        if (blob != null) {
            byte[] expected = Files.readAllBytes(blob);
            assertEquals(expected.length, run.stdout().length, "bytes of stdout (" + runtime + ")");
            int mismatch = Arrays.mismatch(expected, run.stdout());
            assertEquals(-1, mismatch, "stdout differs from the file at byte " + mismatch + " (" + runtime + ")");
        }
        String id = Files.readString(cidFile).trim();
        assertTrue(id.matches("[0-9a-f]{64}"), "--cidfile holds the container id: " + id);
        if (runtime.equals(KATA)) {
            Sandboxes.assertNothingLeft(id);
        }
    }

    /**
     * {@code run --rm -t}: the container's stdout is a terminal (the runtime passes the pty master to the caller
     * over {@code --console-socket}), its output comes through it with the terminal's line endings, and the exit
     * code is run's.
     */
    void terminal(String runtime) throws Exception {
        List<String> argv = run(runtime, "--rm", "-t");
        argv.addAll(List.of(client.image(), "sh", "-c", "tty; [ -t 1 ] && echo stdout-is-a-tty; exit 5"));
        Outcome run = run(argv);
        assertEquals(5, run.exitCode(), "the exit code through the terminal: " + run);
        assertTrue(run.out().matches("(?s)/dev/pts/\\d+\r\nstdout-is-a-tty\r\n"),
                "tty names the container's pty and the output has a terminal's CRLF: " + run);
    }

    /** What the detached container's steps include beyond exec, logs, top, pause, stop and rm. */
    record Extras(boolean volumes, boolean stats, boolean update, Top top) {
    }

    /** How the client's top is checked. */
    enum Top {
        /** {@code top NAME} lists host processes by the pids the runtime's {@code ps} gives: State.Pid among them. */
        HOST_PID,
        /** {@code top NAME -ef} runs ps in the container: its init's command line is listed. */
        PS_IN_CONTAINER
    }

    /**
     * A {@code -d} container whose init traps SIGTERM: exec (exit code, stdout; with -t on a terminal), logs, the
     * volumes, top, stats, pause/unpause, update --memory, stop (SIGTERM seen, then SIGKILL after the 2 s timeout:
     * 137), rm; with kata, nothing of the sandbox is left after rm.
     */
    void detached(String runtime, Extras extras) throws Exception {
        String name = prefix + "-" + runtime;
        Path data = Files.createDirectories(work.resolve("data-" + runtime));
        Path readOnly = Files.createDirectories(work.resolve("ro-" + runtime));
        Files.writeString(data.resolve("from-host"), "written on the host\n");
        Files.writeString(readOnly.resolve("kept"), "read-only\n");
        List<String> argv = run(runtime, "-d", "--name", name);
        if (extras.volumes()) {
            argv.addAll(List.of("-v", data + ":/data", "-v", readOnly + ":/ro:ro"));
        }
        argv.addAll(List.of(client.image(), "sh", "-c", TRAPPING_INIT));
        Outcome started = run(argv).ok();
        String id = started.out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), "run -d prints the container id: " + started);
        boolean removed = false;
        try {
            await(name, "init-up in the logs", () -> call("logs", name).ok().out().contains("init-up"));

            Outcome exec = call("exec", name, "sh", "-c", "echo exec-out; exit 4");
            assertEquals(4, exec.exitCode(), "exec's exit code is the process's: " + exec);
            assertEquals("exec-out\n", exec.out(), "exec's stdout: " + exec);
            Outcome execTty = call("exec", "-t", name, "sh", "-c", "tty; exit 6");
            assertEquals(6, execTty.exitCode(), "exec -t's exit code is the process's: " + execTty);
            assertTrue(execTty.out().matches("/dev/pts/\\d+\r\n"), "exec -t runs on a terminal: " + execTty);

            if (extras.volumes()) {
                volumes(name, data, readOnly);
            }

            if (extras.top() == Top.HOST_PID) {
                String pid = inspect(name, "{{.State.Pid}}");
                Outcome top = call("top", name).ok();
                assertTrue(top.out().lines().skip(1)
                                .anyMatch(line -> List.of(line.trim().split("\\s+")).contains(pid)),
                        "top lists the container's pid " + pid + " (State.Pid): " + top);
            } else {
                Outcome top = call("top", name, "-ef").ok();
                assertTrue(top.out().contains("echo init-up; trap"), "top -ef lists the container's init: " + top);
            }

            if (extras.stats()) {
                // The cgroup of the pid the runtime gave: runc's container, kata's holder, VMM and virtiofsd.
                Outcome stats = call("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}",
                        name).ok();
                assertTrue(stats.out().matches("(?s)" + name + " [0-9.]+[KMG]i?B / \\S+ [1-9][0-9]*\\s*")
                                && !stats.out().startsWith(name + " 0B "),
                        "stats --no-stream shows the memory use and pids of the container's cgroup: " + stats);
            }

            call("pause", name).ok();
            assertEquals("paused", inspect(name, "{{.State.Status}}"), "after pause");
            call("unpause", name).ok();
            assertEquals("running", inspect(name, "{{.State.Status}}"), "after unpause");
            call("exec", name, "true").ok();

            if (extras.update()) {
                call("update", "--memory", "256m", "--memory-swap", "256m", name).ok();
                assertEquals("268435456", inspect(name, "{{.HostConfig.Memory}}"), "inspect after update");
                Outcome limit = call("exec", name, "sh", "-c", "f=/sys/fs/cgroup/memory/memory.limit_in_bytes; "
                        + "[ -f $f ] || f=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/memory.max; cat $f").ok();
                assertEquals("268435456", limit.out().trim(), "the container's cgroup memory limit: " + limit);
            }

            Outcome stop = call("stop", "-t", "2", name).ok();
            assertTrue(stop.took().toMillis() >= 2000, "stop waits the timeout before SIGKILL: " + stop);
            assertEquals("137", inspect(name, "{{.State.ExitCode}}"), "SIGKILLed after ignoring SIGTERM");
            Outcome logs = call("logs", name).ok();
            assertTrue(logs.out().contains("init-up\n") && logs.out().contains("got-term"),
                    "the trap saw SIGTERM before the SIGKILL: " + logs);

            call("rm", name).ok();
            removed = true;
            Outcome listed = call("ps", "-a", "--no-trunc", "--format", "{{.ID}}").ok();
            assertFalse(listed.out().contains(id), "rm removed " + id + ": " + listed);
            if (runtime.equals(KATA)) {
                Sandboxes.assertNothingLeft(id);
            }
        } finally {
            if (!removed) {
                call("rm", "-f", name); // a failed step: the container goes before the next runtime's steps
            }
        }
    }

    /**
     * A {@code -d} container on the client's default bridge network: the address {@code inspect} gives is on the
     * container's {@code eth0} (the guest's with kata: the sandbox scanned the network namespace the client's
     * prestart hook set up, after that hook), the spec's namespaced sysctls hold there ({@code --sysctl
     * net.core.somaxconn} and Docker's {@code net.ipv4.ip_unprivileged_port_start=0}: with kata, the agent applies
     * them in the guest's pod network namespace), and the bridge's gateway answers a bounded ping; with kata,
     * nothing of the sandbox is left after {@code rm -f}.
     */
    void bridge(String runtime) throws Exception {
        String name = prefix + "-net-" + runtime;
        List<String> argv = new ArrayList<>(List.of("run", "-d", "--name", name, "--sysctl",
                "net.core.somaxconn=1234"));
        argv.addAll(client.runOptions(runtime));
        argv.addAll(List.of(client.image(), "sleep", "600"));
        Outcome started = run(argv).ok();
        String id = started.out().trim();
        try {
            String address = inspect(name, "{{.NetworkSettings.IPAddress}}");
            String prefixLength = inspect(name, "{{.NetworkSettings.IPPrefixLen}}");
            String gateway = inspect(name, "{{.NetworkSettings.Gateway}}");
            assertTrue(address.matches(IPV4) && gateway.matches(IPV4),
                    "inspect gives the container's bridge address and gateway: " + address + " via " + gateway);
            Outcome addr = call("exec", name, "ip", "-4", "-o", "addr", "show", "dev", "eth0").ok();
            assertTrue(addr.out().contains(" inet " + address + "/" + prefixLength + " "),
                    "eth0 in the container has the address inspect gives, " + address + "/" + prefixLength + ": "
                    + addr);
            Outcome route = call("exec", name, "ip", "-4", "route", "show", "default").ok();
            assertTrue(route.out().contains("default via " + gateway + " "), "the default route goes through "
                    + "the bridge's gateway " + gateway + ": " + route);
            // Namespaced sysctls of the spec (--sysctl, and the one Docker always sets) hold in the container's
            // network namespace: with kata the guest's pod namespace, where the agent applies them.
            Outcome sysctls = call("exec", name, "cat", "/proc/sys/net/core/somaxconn",
                    "/proc/sys/net/ipv4/ip_unprivileged_port_start").ok();
            assertEquals("1234\n0\n", sysctls.out(), "net.core.somaxconn from --sysctl and Docker's "
                    + "net.ipv4.ip_unprivileged_port_start=0 in the container: " + sysctls);
            // Bounded: three echo requests, at most 20 s (the first waits for ARP; a TCG guest is slow).
            Outcome ping = call("exec", name, "ping", "-c", "3", "-w", "20", gateway);
            assertEquals(0, ping.exitCode(), "the container reaches the bridge's gateway " + gateway + ": " + ping);
            assertTrue(ping.out().matches("(?s).* [1-3] packets received.*"),
                    "echo replies from the gateway: " + ping);
        } finally {
            call("rm", "-f", name).ok();
        }
        if (runtime.equals(KATA)) {
            Sandboxes.assertNothingLeft(id);
        }
    }

    /**
     * The client's default seccomp profile (Docker's: 357 syscalls allowed in 12 rules, the rest refused with
     * EPERM) is in force in the container, the guest's with kata: {@code /proc/self/status} says {@code Seccomp: 2}
     * (a filter) and {@code unshare(CLONE_NEWUSER)}, which the profile allows only with CAP_SYS_ADMIN, is refused;
     * with {@code --security-opt seccomp=unconfined}, the control, there is no filter and the same call succeeds
     * (so the refusal is the profile's, not the kernel's).
     */
    void seccomp(String runtime) throws Exception {
        String script = "grep '^Seccomp:' /proc/self/status; "
                + "if unshare -U true; then echo userns-allowed; else echo userns-refused; fi";
        List<String> confined = run(runtime, "--rm");
        confined.addAll(List.of(client.image(), "sh", "-c", script));
        Outcome filtered = run(confined).ok();
        assertTrue(filtered.out().matches("(?s)Seccomp:\\s+2\n.*userns-refused\n"),
                "the default profile filters the container's syscalls and refuses unshare -U: " + filtered);
        assertTrue(filtered.stderr().contains("Operation not permitted"), "the refusal is EPERM, the profile's "
                + "action: " + filtered);
        List<String> unconfined = run(runtime, "--rm", "--security-opt", "seccomp=unconfined");
        unconfined.addAll(List.of(client.image(), "sh", "-c", script));
        Outcome open = run(unconfined).ok();
        assertTrue(open.out().matches("(?s)Seccomp:\\s+0\n.*userns-allowed\n"),
                "without the profile nothing filters the syscalls and unshare -U works: " + open);
    }

    private void volumes(String name, Path data, Path readOnly) throws Exception {
        Outcome read = call("exec", name, "sh", "-c",
                "cat /data/from-host /ro/kept && echo from-container > /data/from-container").ok();
        assertEquals("written on the host\nread-only\n", read.out(), "the volumes' files: " + read);
        assertEquals("from-container\n", Files.readString(data.resolve("from-container")),
                "a file written in the rw volume reaches the host");
        Outcome write = call("exec", name, "touch", "/ro/written");
        assertTrue(write.exitCode() != 0 && write.stderr().contains("Read-only file system"),
                "writing to the :ro volume fails: " + write);
        assertFalse(Files.exists(readOnly.resolve("written")), "nothing was written to the :ro volume");
    }

    /** Something the client shows that must become true, polled until a minute has passed. */
    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String container, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(container + ": timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
