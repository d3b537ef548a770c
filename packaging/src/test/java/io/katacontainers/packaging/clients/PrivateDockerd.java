package io.katacontainers.packaging.clients;

import io.katacontainers.packaging.e2e.Sandboxes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's dockerd (20.10) with everything of its own: data root, exec root (with its own containerd), pid file,
 * API socket, client configuration, cgroup parent, and a network namespace the test creates (its docker0 bridge is
 * made there, iptables untouched), so it sees nothing of the host's Docker and the host's network sees nothing of
 * it. {@code daemon.json} adds the runtime {@value ClientSteps#KATA}: the built tree's kata-runtime with the given
 * configuration. Closing removes every container, stops the daemon and its containerd, unmounts what it left under
 * its directories and deletes the namespace and the cgroup parent.
 */
final class PrivateDockerd implements AutoCloseable {
    static final String IMAGE = "kata-busybox:docker17";
    static final Path DOCKER = Path.of("/usr/bin/docker");
    private static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CLEANUP_TIMEOUT = Duration.ofSeconds(300);

    private final Path work;
    private final String netns;
    private final String cgroupParent;
    private Process dockerd;
    /** Closes the daemon if the JVM exits without {@link #close} (an engine failure skips @AfterAll). */
    private final Thread closeAtExit = Thread.ofPlatform().name("private-dockerd-close").unstarted(() -> {
        try {
            close();
        } catch (IOException | InterruptedException e) {
            System.err.println("PrivateDockerd: could not close at exit: " + e);
        }
    });

    private PrivateDockerd(Path work, String name) {
        this.work = work;
        this.netns = name;
        this.cgroupParent = "/" + name;
    }

    /**
     * Starts dockerd in {@code work} inside a new network namespace {@code name} (also its cgroup parent), with
     * the runtime {@value ClientSteps#KATA} = {@code kataRuntime --config kataConfig}, and imports the busybox image.
     */
    static PrivateDockerd start(Path work, String name, Path kataRuntime, Path kataConfig)
            throws IOException, InterruptedException {
        for (Path binary : List.of(DOCKER, DOCKERD)) {
            if (!Files.isExecutable(binary)) {
                throw new AssertionError(binary + " is missing: apt-get install docker.io");
            }
        }
        Files.createDirectories(work);
        PrivateDockerd docker = new PrivateDockerd(work, name);
        Runtime.getRuntime().addShutdownHook(docker.closeAtExit);
        try {
            docker.host("ip", "netns", "add", name).ok();
            docker.host("ip", "-n", name, "link", "set", "lo", "up").ok();
            Files.writeString(work.resolve("daemon.json"), """
                    {"runtimes": {"%s": {"path": "%s", "runtimeArgs": ["--config", "%s"]}},
                     "default-runtime": "runc"}
                    """.formatted(ClientSteps.KATA, kataRuntime, kataConfig));
            docker.dockerd = new ProcessBuilder("nsenter", "--net=/run/netns/" + name, DOCKERD.toString(),
                    "--config-file", work.resolve("daemon.json").toString(),
                    "--data-root", work.resolve("data").toString(), "--exec-root", work.resolve("exec").toString(),
                    "--pidfile", work.resolve("dockerd.pid").toString(), "-H", "unix://" + docker.socket(),
                    "--iptables=false", "--ip6tables=false", "--ip-masq=false", "--userland-proxy=false",
                    "--cgroup-parent", docker.cgroupParent, "--storage-driver", "overlay2")
                    .redirectErrorStream(true).redirectOutput(work.resolve("dockerd.log").toFile()).start();
            docker.awaitApi();
            docker.importBusybox();
            return docker;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            docker.close();
            throw e;
        }
    }

    Path socket() {
        return work.resolve("docker.sock");
    }

    String log() throws IOException {
        Path log = work.resolve("dockerd.log");
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    private void awaitApi() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Outcome version = null;
        while (System.nanoTime() < deadline && dockerd.isAlive()) {
            if (Files.exists(socket())) {
                version = docker(Duration.ofSeconds(30), "version", "--format", "{{.Server.Version}}");
                if (version.exitCode() == 0) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("dockerd did not serve its API within " + START_TIMEOUT + " (alive: "
                + dockerd.isAlive() + ")\nlast try: " + version + "\n--- dockerd.log\n" + log());
    }

    /** The busybox root filesystem the other tests use (make-bundle.sh), imported as {@link #IMAGE}. */
    private void importBusybox() throws IOException, InterruptedException {
        Path bundle = Sandboxes.bundleOf(work.resolve("image"), "sh");
        Path tar = work.resolve("image/rootfs.tar");
        host("tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C",
                bundle.resolve("rootfs").toString(), "-cf", tar.toString(), ".").ok();
        docker(Duration.ofSeconds(120), "import", "--change", "CMD [\"sh\"]", "--change", "ENV PATH=/bin",
                tar.toString(), IMAGE).ok();
    }

    /** Runs the docker client against this daemon. */
    Outcome docker(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(DOCKER.toString(), "-H", "unix://" + socket()));
        argv.addAll(Arrays.asList(args));
        return Outcome.run(work, Map.of("DOCKER_CONFIG", work.resolve("client").toString()), timeout, argv);
    }

    private Outcome host(String... argv) throws IOException, InterruptedException {
        return Outcome.run(work, Map.of(), Duration.ofSeconds(60), List.of(argv));
    }

    /** Force-removes every container this daemon still has (each one's runtime tears its sandbox down). */
    private void removeContainers() throws IOException, InterruptedException {
        Outcome all = docker(CLEANUP_TIMEOUT, "ps", "-aq", "--no-trunc");
        List<String> ids = all.out().lines().filter(line -> !line.isBlank()).toList();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rm", "-f"));
            args.addAll(ids);
            Outcome removed = docker(CLEANUP_TIMEOUT, args.toArray(String[]::new));
            if (removed.exitCode() != 0) {
                System.err.println("PrivateDockerd: could not remove " + ids + ": " + removed);
            }
        }
    }

    /** The directories of this daemon's cgroup parent that still exist. */
    List<Path> cgroupParents() throws IOException {
        return Leftovers.cgroupParents(netns);
    }

    /**
     * Removes every container (each one's runtime tears its sandbox down), stops the daemon (its containerd and
     * shims go with it), then removes whatever a failed step left: processes naming this directory, kata sandboxes
     * whose bundle is in it, mounts, the network namespace, the cgroup parent. Every part runs; the first failure
     * is thrown at the end, naming what was left.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        if (Thread.currentThread() != closeAtExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(closeAtExit);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook is running this already
            }
        }
        List<String> problems = new ArrayList<>();
        if (dockerd != null && dockerd.isAlive()) {
            try {
                removeContainers();
            } catch (IOException | AssertionError e) {
                problems.add("removing the containers: " + e.getMessage());
            }
            dockerd.destroy(); // SIGTERM: dockerd stops its containerd and shims
            if (!dockerd.waitFor(60, TimeUnit.SECONDS)) {
                problems.add("dockerd did not stop within 60 s of SIGTERM: killed");
                dockerd.destroyForcibly().waitFor();
            }
        }
        List<String> killed = Leftovers.killProcessesNaming(work);
        if (!killed.isEmpty()) {
            problems.add("processes left after dockerd stopped (killed): " + killed);
        }
        List<String> sandboxes = Leftovers.deleteSandboxesUnder(work);
        if (!sandboxes.isEmpty()) {
            problems.add("kata sandboxes left (deleted): " + sandboxes);
        }
        List<String> mounts = Leftovers.unmountUnder(work);
        if (!mounts.isEmpty()) {
            problems.add("mounts left (unmounted): " + mounts);
        }
        if (Files.exists(Path.of("/run/netns", netns))) {
            host("ip", "netns", "del", netns);
        }
        List<String> cgroups = Leftovers.removeCgroupParent(netns);
        if (!cgroups.isEmpty()) {
            problems.add("container cgroups left (removed): " + cgroups);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("the private dockerd in " + work + " did not end cleanly: "
                    + String.join("; ", problems));
        }
    }

    /** The namespace's name, for the nothing-left checks. */
    String netns() {
        return netns;
    }
}
